"""The fake Slack refuses the views Slack refuses (views.open, views.update, views.publish), keeps
the ones it takes, and builds what Slack sends back from them: a view_submission from the modal
as received (nothing it does not offer), a click on a button the view really shows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.authoring import REVIEW, SUGGEST, WRITE, render_question_modal
from bot.domain.authoring import Draft
from tests.support.fake_slack import FakeSlack
from tests.support.slack_views import ack_problems, view_problems


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def client(fake: FakeSlack) -> WebClient:
    return WebClient(
        base_url=fake.api_url, token="xoxb-test", retry_handlers=[], headers={"X-Leader-Quiz-Budget": "test"}
    )


def modal(**changes: object) -> dict:
    view = {
        "type": "modal",
        "callback_id": "form",
        "title": {"type": "plain_text", "text": "Write a question"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "prompt",
                "label": {"type": "plain_text", "text": "Scene"},
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 100},
            },
            {
                "type": "input",
                "block_id": "pick",
                "optional": True,
                "label": {"type": "plain_text", "text": "Pick"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [
                        {"text": {"type": "plain_text", "text": "One"}, "value": "1"},
                        {"text": {"type": "plain_text", "text": "Two"}, "value": "2"},
                    ],
                },
            },
        ],
    }
    view.update(changes)
    return view


def refusal(fake: FakeSlack, view: dict, trigger: str = "t1") -> list[str]:
    with pytest.raises(SlackApiError) as refused:
        client(fake).views_open(trigger_id=trigger, view=view)
    assert refused.value.response["error"] == "invalid_arguments"
    return refused.value.response["response_metadata"]["messages"]


def test_a_modal_slack_would_refuse_is_refused(fake: FakeSlack) -> None:
    long_title = refusal(fake, modal(title={"type": "plain_text", "text": "A title over twenty-four chars"}))
    assert any("/view/title/text" in m for m in long_title)
    twice = modal()
    twice["blocks"][1]["block_id"] = "prompt"
    assert any("duplicate block_id 'prompt'" in m for m in refusal(fake, twice, "t2"))
    many = modal(blocks=[{"type": "divider"}] * 101)
    assert any("no more than 100" in m for m in refusal(fake, many, "t3"))
    label = modal()
    label["blocks"][0]["label"]["text"] = "x" * 2001
    assert any("/label/text" in m for m in refusal(fake, label, "t4"))
    no_submit = modal()
    del no_submit["submit"]
    assert any("/view/submit" in m for m in refusal(fake, no_submit, "t5"))
    long_initial = modal()
    long_initial["blocks"][0]["element"]["initial_value"] = "y" * 101
    assert any("initial_value" in m for m in refusal(fake, long_initial, "t6"))
    stray = modal()
    stray["blocks"][1]["element"]["initial_option"] = {
        "text": {"type": "plain_text", "text": "Nine"},
        "value": "9",
    }
    assert any("initial_option" in m for m in refusal(fake, stray, "t7"))
    assert len(fake.refused_views) == 7 and not fake.views
    fake.refused_views.clear()


def test_a_view_taken_is_kept_and_its_trigger_used_once(fake: FakeSlack) -> None:
    opened = client(fake).views_open(trigger_id="t1", view=modal())
    view_id, held = fake.opened_view("t1")
    assert opened["view"]["id"] == view_id and held["title"]["text"] == "Write a question"
    with pytest.raises(SlackApiError) as again:
        client(fake).views_open(trigger_id="t1", view=modal())
    assert again.value.response["error"] == "exchanged_trigger_id"
    updated = modal(title={"type": "plain_text", "text": "Saved"})
    client(fake).views_update(view_id=view_id, view=updated)
    assert fake.opened_view("t1")[1]["title"]["text"] == "Saved"
    with pytest.raises(SlackApiError):
        client(fake).views_update(view_id=view_id, view=modal(title={"type": "plain_text", "text": "t" * 25}))
    fake.refused_views.clear()


def test_app_home_is_held_to_the_same_rules(fake: FakeSlack) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "block_id": "a", "text": {"type": "mrkdwn", "text": "x"}}] * 2,
    }
    with pytest.raises(SlackApiError):
        client(fake).views_publish(user_id="U1", view=home)
    fake.refused_views.clear()
    button = {"type": "button", "action_id": "go", "value": "7", "text": {"type": "plain_text", "text": "Go"}}
    good = {"type": "home", "blocks": [{"type": "actions", "elements": [button]}]}
    client(fake).views_publish(user_id="U1", view=good)
    payload = fake.home_action("U1", action_id="go")
    assert payload["actions"][0]["value"] == "7" and payload["container"]["type"] == "view"
    with pytest.raises(AssertionError, match="shows no 'stop'"):
        fake.home_action("U1", action_id="stop")


def test_a_submission_is_built_from_the_view_received(fake: FakeSlack) -> None:
    client(fake).views_open(trigger_id="t1", view=modal())
    view_id, _ = fake.opened_view()
    payload = fake.view_submission(view_id, user="U1", values={"prompt": "Hello", "pick": "2"})
    values = payload["view"]["state"]["values"]
    assert values["prompt"]["value"]["value"] == "Hello"
    assert values["pick"]["value"]["selected_option"]["value"] == "2"
    assert payload["view"]["id"] == view_id and payload["view"]["callback_id"] == "form"
    with pytest.raises(AssertionError, match="no input block"):
        fake.view_submission(view_id, user="U1", values={"prompt": "x", "elsewhere": "y"})
    with pytest.raises(AssertionError, match="is required"):
        fake.view_submission(view_id, user="U1", values={"pick": "1"})
    with pytest.raises(AssertionError, match="offers no option"):
        fake.view_submission(view_id, user="U1", values={"prompt": "x", "pick": "3"})
    with pytest.raises(AssertionError, match="stops typing"):
        fake.view_submission(view_id, user="U1", values={"prompt": "x" * 101})
    # The app's answer is taken as Slack takes it.
    with pytest.raises(AssertionError, match="not an input block"):
        fake.answer_submission(view_id, {"response_action": "errors", "errors": {"nowhere": "bad"}})
    fake.answer_submission(view_id, {"response_action": "errors", "errors": {"prompt": "bad"}})
    assert ack_problems(
        modal(), {"response_action": "update", "view": modal(title={"type": "plain_text", "text": "z" * 30})}
    )


def test_the_question_form_is_one_slack_takes_in_every_mode() -> None:
    lessons = [
        (f"lesson-{n}", f"A lesson title long enough to be clipped in a select, number {n}")
        for n in range(150)
    ]
    draft = Draft(
        lesson_id="lesson-3",
        prompt="p" * 2500,
        options=("a" * 300, "b" * 300, "c", "d", "e"),
        correct=5,
        explanation="x" * 2500,
        source="s" * 200,
        link="https://example.org/" + "l" * 400,
        anyway=True,
    )
    for mode in (WRITE, SUGGEST, REVIEW):
        for chosen_lessons in (lessons, []):
            view = render_question_modal(
                mode=mode, lessons=chosen_lessons, draft=draft, metadata={"mode": mode, "s": 1}
            )
            assert view_problems(view, surface="modal") == [], mode


def test_app_home_with_everything_on_it_is_one_slack_takes() -> None:
    import datetime as dt

    from bot.blocks.home import render_home
    from bot.domain.authoring import AuthoringHome, OwnQuestionView, SuggestionView
    from bot.domain.home import HomeChannel, HomeReport, Verdict
    from bot.domain.stats import LessonProgress
    from db.results import StatsView

    channels = [
        HomeChannel(StatsView("U1", f"C{n:04d}", 10, 7, 3, 5, None, 1, 0, 12), 2, 30, "Blue")
        for n in range(80)
    ]
    verdicts = [Verdict("C0001", dt.date(2026, 12, 1), "p" * 500, "a", "b", False, "x" * 3000)] * 3
    queue = tuple(SuggestionView(n, "UMEMBER", "Ours", "q" * 600, ("a", "b", "c"), "a") for n in range(10))
    recent = tuple(
        OwnQuestionView(f"q-{n}", f"own/T/q-{n}", "ours", "Ours", n, "p", "a", False, "v", 1)
        for n in range(5)
    )
    report = HomeReport(
        channels=channels,
        lessons=[LessonProgress(lesson=f"L{n}", completed=1, total=5) for n in range(20)],
        verdicts=verdicts,
        authoring=AuthoringHome(
            admin=True,
            may_suggest=True,
            questions=5,
            lessons=1,
            recent=recent,
            queue=queue,
            pending=12,
            notice="Done.",
        ),
    )
    assert view_problems(render_home(report), surface="home") == []
