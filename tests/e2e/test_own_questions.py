"""A team's own questions in Slack (SPEC §12), over HTTP against the fake Slack: an admin writes a
question in the modal (a bad field answered on that field), a member's suggestion is approved
from App Home (the member told by DM), and a channel on `lessons use both` posts the new
questions in their turn. Every modal is one the fake took as Slack would, and every submission
is built from the modal as the fake received it. Also: give-aways, guests and other
organisations, the suggestion limit, editing (a new version; the open post keeps its text),
declining with a note, retiring, and authored text escaped."""

from __future__ import annotations

import datetime as dt
import time

from bot.services.own_questions import SUGGESTIONS_PER_DAY
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, shown_options, unescape
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "COWN"
DAY = dt.date(2026, 12, 1)

PROMPT = (
    "At 03:10 orders-db-1 loses its connection to etcd for 40 seconds while its clients can still "
    "reach it. Our Patroni runs with ttl 30. What does Patroni on orders-db-1 do?"
)
RIGHT = "It demotes orders-db-1 to a replica once it cannot renew the leader key"
FORM = {
    "new_lesson": "Our Postgres failover",
    "prompt": PROMPT,
    "option_1": RIGHT,
    "option_2": "It keeps accepting writes because its clients can still reach it",
    "option_3": "It waits for the on-call engineer to confirm a failover in Slack",
    "correct": "1",
    "explanation": "Patroni can lead only while it renews the leader key; unable to renew it, it demotes "
    "orders-db-1 so two primaries never take writes. Keeping on serving is how a split brain starts.",
    "source": "Patroni documentation, 'Dynamic Configuration Settings'",
    "link": "https://patroni.readthedocs.io/en/latest/dynamic_configuration.html",
}
SUGGESTED = {
    "lesson": "our-postgres-failover",
    "prompt": "The billing scheduler runs three replicas, and the invoice job must run once a night. "
    "Which replica runs it?",
    "option_1": "All three, and a unique key throws the duplicate invoices away",
    "option_2": "The replica holding the billing-scheduler lease, renewing it as it runs",
    "option_3": "Whichever pod is oldest, since Kubernetes keeps it alive longest",
    "correct": "2",
    "explanation": "Only the replica holding the lease runs the job; when it dies the lease expires and "
    "another replica takes it. Letting all three run double-bills whenever deduplication misses.",
    "source": "Our billing runbook, section 'Scheduler'",
}


def open_form(slack: SlackSender, fake: FakeSlack, text: str, user: str) -> str:
    """Run a slash command that opens a modal; the id of the modal the fake Slack holds."""
    before = len(fake.calls("views.open"))
    assert slack.command(text, user=user, channel=CHANNEL).status_code == 200
    fake.wait_for("views.open", count=before + 1)
    return fake.opened_view()[0]


def reply_to(slack: SlackSender, fake: FakeSlack, text: str, user: str) -> str:
    key = f"{user}-{time.monotonic_ns()}"
    slack.command(text, user=user, channel=CHANNEL, key=key)
    [answer] = fake.wait_for("response_url", where=lambda c: c.params["_key"] == key)
    return block_texts(answer.params["blocks"])


def published(fake: FakeSlack, user: str) -> int:
    return len([c for c in fake.calls("views.publish") if c.ok and c.params.get("user_id") == user])


def open_home(slack: SlackSender, fake: FakeSlack, user: str) -> dict:
    before = published(fake, user)
    slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    fake.wait_for("views.publish", count=before + 1, where=lambda c: c.params.get("user_id") == user)
    return fake.home_view(user)


def home_click(
    slack: SlackSender, fake: FakeSlack, user: str, action_id: str, value: str | None = None
) -> dict:
    """Click on App Home; the App Home the app published afterwards."""
    before = published(fake, user)
    assert slack.home_click(fake, user, action_id=action_id, value=value).status_code == 200
    if action_id in ("own_approve", "own_manage"):
        fake.wait_for("views.publish", count=before + 1, where=lambda c: c.params.get("user_id") == user)
    return fake.home_view(user)


def post(app: InProcessApp, fake: FakeSlack, day: dt.date) -> dict:
    outcome = app.runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=day, timezone="UTC", fence=None
    )
    assert outcome.status.value == "posted", outcome
    return fake.messages(CHANNEL)[-1]


def dms(fake: FakeSlack, user: str) -> list[str]:
    return [block_texts(m["blocks"]) for m in fake.messages(f"D{user}")]


def write(
    slack: SlackSender, fake: FakeSlack, values: dict, *, user: str = "UADMIN", text: str = "author"
) -> dict:
    view_id = open_form(slack, fake, text, user)
    return slack.submit_view(fake, view_id, user=user, values=values)


def test_an_admin_writes_a_member_suggests_and_both_take_their_turn(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    fake_slack.admins.add("UADMIN")
    # The admin's modal: a bad field is answered on that field, and nothing is saved.
    view_id = open_form(slack, fake_slack, "author", "UADMIN")
    held = fake_slack.views[view_id]
    assert held["title"]["text"] == "Write a question" and held["callback_id"] == "own_question"
    bad = slack.submit_view(
        fake_slack, view_id, user="UADMIN", values={**FORM, "link": "http://insecure.example"}
    )
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {"link"}
    assert "https://" in bad["errors"]["link"]
    assert app.runtime.own.listing(team_id="T0001") == []
    saved = slack.submit_view(fake_slack, view_id, user="UADMIN", values=FORM)
    assert saved["response_action"] == "update" and "our-postgres-failover-1" in block_texts(
        saved["view"]["blocks"]
    )

    # A member suggests one in the same lesson; it waits for an admin.
    suggest_id = open_form(slack, fake_slack, "suggest", "UMEMBER")
    assert fake_slack.views[suggest_id]["title"]["text"] == "Suggest a question"
    thanks = slack.submit_view(fake_slack, suggest_id, user="UMEMBER", values=SUGGESTED)
    assert thanks["response_action"] == "update" and "waits for an admin" in block_texts(
        thanks["view"]["blocks"]
    )
    assert [q.local_id for q in app.runtime.own.listing(team_id="T0001")] == ["our-postgres-failover-1"]

    # The admin's App Home shows it; Approve adds it and tells the member by DM.
    home = open_home(slack, fake_slack, "UADMIN")
    shown = block_texts(home["blocks"])
    assert "Suggestions waiting: 1" in shown and "From <@UMEMBER>" in shown and "billing scheduler" in shown
    member_home = open_home(slack, fake_slack, "UMEMBER")
    assert "Suggest a question" in block_texts(
        member_home["blocks"]
    ) and "Suggestions waiting" not in block_texts(member_home["blocks"])
    [suggestion] = app.runtime.own.home(team_id="T0001", user_id="UADMIN").queue
    after = home_click(slack, fake_slack, "UADMIN", "own_approve", str(suggestion.id))
    assert "Added to *Our Postgres failover*" in block_texts(after["blocks"])
    assert "No suggestions waiting" in block_texts(after["blocks"])
    fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "UMEMBER")
    [told] = dms(fake_slack, "UMEMBER")
    assert "was added to the lesson *Our Postgres failover*" in told
    listed = app.runtime.own.listing(team_id="T0001")
    assert [(q.local_id, q.position, q.suggested_by) for q in listed] == [
        ("our-postgres-failover-1", 1, None),
        ("our-postgres-failover-2", 2, "UMEMBER"),
    ]

    # The channel follows both: own first, then the curriculum, then own again.
    assert "follows both" in reply_to(slack, fake_slack, "lessons use both", "UADMIN")
    assert "Sorry" in reply_to(slack, fake_slack, "lessons use own", "UMEMBER")
    first = post(app, fake_slack, DAY)
    assert "Question 1 of 2 · Our Postgres failover" in block_texts(first["blocks"])
    assert "orders-db-1 loses its connection" in block_texts(first["blocks"])
    second = post(app, fake_slack, DAY + dt.timedelta(days=1))
    assert "Question 1 of" in block_texts(second["blocks"]) and "Leader election basics" in block_texts(
        second["blocks"]
    )
    third = post(app, fake_slack, DAY + dt.timedelta(days=2))
    assert "Question 2 of 2 · Our Postgres failover" in block_texts(third["blocks"])
    assert "billing scheduler" in block_texts(third["blocks"])

    # The own question is answered like any other: graded, explained, its source linked.
    right = next(
        letter for letter, text in shown_options(third).items() if unescape(text).startswith("The replica")
    )
    slack.click(value=buttons(third)[right], user="UPLAYER", channel=CHANNEL)
    [verdict] = fake_slack.wait_for_replies(user="UPLAYER")
    said = block_texts(verdict.params["blocks"])
    assert (
        "Correct!" in said and "Only the replica holding the lease" in said and "Our billing runbook" in said
    )
    lessons = reply_to(slack, fake_slack, "lessons", "UPLAYER")
    assert "Our Postgres failover" in lessons and "1 / 2 completed" in lessons and "take turns" in lessons
    practice = reply_to(slack, fake_slack, "practice our postgres", "UPLAYER")
    assert "Practice · Question" in practice and "Our Postgres failover" in practice


def test_a_give_away_is_refused_unless_posted_anyway(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    telling = {
        **FORM,
        "option_1": "It demotes orders-db-1 to a read-only replica as soon as it fails to renew the leader key",
        "option_2": "It keeps going",
        "option_3": "It stops",
    }
    view_id = open_form(slack, fake_slack, "author", "UADMIN")
    refused = slack.submit_view(fake_slack, view_id, user="UADMIN", values=telling)
    assert refused["response_action"] == "errors" and "only long one" in refused["errors"]["option_1"]
    taken = slack.submit_view(fake_slack, view_id, user="UADMIN", values={**telling, "anyway": ["yes"]})
    assert taken["response_action"] == "update"


def test_guests_and_other_organisations_cannot_write_or_suggest(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    fake_slack.guests["UGUEST"] = "single"
    fake_slack.admins.add("UGUESTADMIN")
    fake_slack.guests["UGUESTADMIN"] = "multi"
    fake_slack.external_users["UEXT"] = "TOTHERORG"
    assert "Guests cannot suggest" in reply_to(slack, fake_slack, "suggest", "UGUEST")
    assert "Guests cannot write" in reply_to(slack, fake_slack, "author", "UGUESTADMIN")
    assert "other organisations cannot suggest" in reply_to(slack, fake_slack, "suggest", "UEXT")
    assert "Only workspace admins" in reply_to(slack, fake_slack, "author", "UMEMBER")
    assert not fake_slack.calls("views.open")
    # Their App Home offers nothing to write with; a tampered click opens a refusal, not the form.
    assert "Suggest a question" not in block_texts(open_home(slack, fake_slack, "UGUEST")["blocks"])
    payload = slack.action_payload(action_id="own_suggest", value="suggest", user="UEXT", channel=None)
    slack.send(payload)
    fake_slack.wait_for("views.open")
    assert fake_slack.opened_view()[1]["title"]["text"] == "Not for you"


def test_suggestions_are_limited_per_person(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    for n in range(SUGGESTIONS_PER_DAY):
        values = {**SUGGESTED, "lesson": None, "new_lesson": "Our scheduler", "source": f"Runbook page {n}"}
        del values["lesson"]
        answer = write(slack, fake_slack, values, user="UKEEN", text="suggest")
        assert answer["response_action"] == "update", answer
    assert f"suggested {SUGGESTIONS_PER_DAY} questions in the last 24 hours" in reply_to(
        slack, fake_slack, "suggest", "UKEEN"
    )
    assert app.runtime.own.pending(team_id="T0001") == SUGGESTIONS_PER_DAY
    open_form(slack, fake_slack, "suggest", "UOTHER")  # another person is not held by it


def test_an_edit_makes_a_new_version_and_the_open_post_keeps_its_text(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    write(slack, fake_slack, FORM)
    reply_to(slack, fake_slack, "lessons use own", "UADMIN")
    message = post(app, fake_slack, DAY)
    home = open_home(slack, fake_slack, "UADMIN")
    assert "our-postgres-failover-1" in block_texts(home["blocks"])
    # Edit from App Home's menu: the form comes filled in with the question as it is.
    before = len(fake_slack.calls("views.open"))
    slack.home_click(fake_slack, "UADMIN", action_id="own_manage", value="edit:our-postgres-failover-1")
    fake_slack.wait_for("views.open", count=before + 1)
    view_id, view = fake_slack.opened_view()
    assert view["title"]["text"] == "Edit a question"
    filled = {
        b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"
    }
    assert filled["prompt"] == PROMPT and filled["option_1"] == RIGHT
    new_why = "Unable to renew the leader key within its TTL, Patroni demotes orders-db-1 (edited)."
    saved = slack.submit_view(fake_slack, view_id, user="UADMIN", values={"explanation": new_why})
    assert saved["response_action"] == "update" and "new version" in block_texts(saved["view"]["blocks"])
    [listed] = app.runtime.own.listing(team_id="T0001")
    assert listed.versions == 2
    # The post pinned the version it showed: its answer is graded and explained by that text.
    right = next(letter for letter, text in shown_options(message).items() if unescape(text) == RIGHT)
    slack.click(value=buttons(message)[right], user="UPLAYER", channel=CHANNEL)
    [verdict] = fake_slack.wait_for_replies(user="UPLAYER")
    assert "two primaries never take writes" in block_texts(verdict.params["blocks"])
    assert "(edited)" not in block_texts(verdict.params["blocks"])
    # The next post closes it; the reveal shows the text it was asked with; the next one the new.
    post(app, fake_slack, DAY + dt.timedelta(days=1))
    fake_slack.wait_for("chat.update", where=lambda c: "Closed" in str(c.params.get("text")))
    revealed = next(m for m in fake_slack.messages(CHANNEL) if m["ts"] == message["ts"])
    assert "two primaries never take writes" in block_texts(revealed["blocks"])
    insights = app.runtime.insights.insights(team_id="T0001", channel_id=CHANNEL, period="all")
    own = next(q for q in insights.questions if q.question_id == "own/T0001/our-postgres-failover-1")
    assert own.answered == 1 and own.first_right == 1


def test_declining_with_a_note_and_retiring(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    write(slack, fake_slack, FORM)
    write(slack, fake_slack, {**SUGGESTED}, user="UMEMBER", text="suggest")
    [suggestion] = app.runtime.own.home(team_id="T0001", user_id="UADMIN").queue
    open_home(slack, fake_slack, "UADMIN")
    before = len(fake_slack.calls("views.open"))
    slack.home_click(fake_slack, "UADMIN", action_id="own_reject", value=str(suggestion.id))
    fake_slack.wait_for("views.open", count=before + 1)
    view_id, view = fake_slack.opened_view()
    assert view["callback_id"] == "own_reject"
    empty = slack.send(fake_slack.view_submission(view_id, user="UADMIN", values={"note": " "}))
    assert empty.json()["response_action"] == "errors"
    done = slack.submit_view(
        fake_slack, view_id, user="UADMIN", values={"note": "We cover this in basics already."}
    )
    assert done["response_action"] == "clear"
    fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "UMEMBER")
    assert "We cover this in basics already." in dms(fake_slack, "UMEMBER")[0]
    assert app.runtime.own.pending(team_id="T0001") == 0
    # Retiring from App Home: never posted again; its history stays.
    reply_to(slack, fake_slack, "lessons use own", "UADMIN")
    first = post(app, fake_slack, DAY)
    slack.click(value=next(iter(buttons(first).values())), user="UPLAYER", channel=CHANNEL)
    fake_slack.wait_for_replies(user="UPLAYER")
    after = home_click(slack, fake_slack, "UADMIN", "own_manage", "retire:our-postgres-failover-1")
    assert "Retired `our-postgres-failover-1`" in block_texts(after["blocks"])
    second = post(app, fake_slack, DAY + dt.timedelta(days=1))
    assert "Our Postgres failover" not in block_texts(second["blocks"])  # the curriculum goes on
    stats = app.runtime.stats.stats(team_id="T0001", channel_id=CHANNEL, user_id="UPLAYER").stats
    assert stats.answered == 1
    [listed] = app.runtime.own.listing(team_id="T0001")
    assert listed.retired
    assert "no question `nothing-here` in rotation" in reply_to(
        slack, fake_slack, "retire nothing-here", "UADMIN"
    )


def test_authored_text_cannot_ping_or_link(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    sneaky = {
        **FORM,
        "prompt": "<!channel> <@U0BOSS> What does Patroni do with <https://evil.example|this> leader key?",
    }
    refused = write(slack, fake_slack, sneaky)
    assert refused["response_action"] == "errors" and "holds a link" in refused["errors"]["prompt"]
    loud = {**FORM, "prompt": "<!channel> <@U0BOSS> & friends: " + PROMPT, "new_lesson": "<!here> Ours"}
    assert write(slack, fake_slack, loud)["response_action"] == "update"
    reply_to(slack, fake_slack, "lessons use own", "UADMIN")
    message = post(app, fake_slack, DAY)
    # Slack reads mentions and links in mrkdwn (and in a message's `text`), never in plain_text.
    mrkdwn: list[str] = [message["text"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                mrkdwn.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message["blocks"])
    assert not any(mark in text for text in mrkdwn for mark in ("<!channel>", "<@U0BOSS>", "<!here>"))
    assert "&lt;!channel&gt; &lt;@U0BOSS&gt; &amp; friends" in block_texts(message["blocks"])
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Question 1 of 1 · <!here> Ours"},
    }


def test_forget_and_purge_cover_authorship(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    from sqlalchemy import func, select

    from db.models import OwnQuestion, QuestionSuggestion, QuestionVersion
    from db.queries.workspaces import purge

    write(slack, fake_slack, FORM)
    write(slack, fake_slack, SUGGESTED, user="UMEMBER", text="suggest")
    write(
        slack,
        fake_slack,
        {**SUGGESTED, "source": "Our billing runbook, section 'Leases'"},
        user="UMEMBER",
        text="suggest",
    )
    first, _ = app.runtime.own.home(team_id="T0001", user_id="UADMIN").queue
    assert app.runtime.own.approve(team_id="T0001", suggestion_id=first.id, by="UADMIN").ok
    reply_to(slack, fake_slack, "lessons use both", "UADMIN")
    post(app, fake_slack, DAY)  # an own question, then a shipped one: each post pins its version
    post(app, fake_slack, DAY + dt.timedelta(days=1))

    exported = app.runtime.people.export(user_id="UMEMBER", team_id=None)["tables"]
    assert len(exported["question_suggestions"]) == 2 and len(exported["own_questions"]) == 1
    forgotten = app.runtime.people.forget(user_id="UMEMBER", team_id=None)
    assert forgotten.deleted["question_suggestions"] == 2 and forgotten.redacted["own_questions"] == 1
    admin = app.runtime.people.export(user_id="UADMIN", team_id="T0001")["tables"]
    assert len(admin["own_questions"]) == 2  # wrote one, approved (and so authored) the other
    forgotten = app.runtime.people.forget(user_id="UADMIN", team_id="T0001")
    assert forgotten.redacted["own_questions"] == 2
    with app.runtime.db.reading() as session:
        rows = session.execute(select(OwnQuestion.author_id, OwnQuestion.suggested_by)).all()
        assert [tuple(row) for row in rows] == [(None, None), (None, None)]  # the questions stay
        assert session.execute(select(func.count()).select_from(QuestionSuggestion)).scalar() == 0
    assert len(app.runtime.own.listing(team_id="T0001")) == 2

    with app.runtime.db.writing() as session:
        removed = purge(session=session, team_id="T0001")
    assert removed["own_questions"] == 2 and removed["own_lessons"] == 1 and removed["question_versions"] == 2
    with app.runtime.db.reading() as session:
        teams = set(session.execute(select(QuestionVersion.team_id)).scalars())
    assert teams == {""}  # only the shipped bank's versions, which are no workspace's


def test_a_post_is_graded_and_revealed_by_its_version_on_a_replica_with_other_content(
    env: dict[str, str], fake_slack: FakeSlack, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A rolling deploy: replica A runs the shipped bank and posts basics-1; replica B runs a bank
    whose basics-1 was reworded since. B grades A's post, replies and reveals it by the text the
    post showed (its pinned version, kept in the database), and B's own next post shows B's."""
    import shutil

    from content.bank import LESSONS_DIR

    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, lessons)
    basics = lessons / "01-basics.yaml"
    basics.write_text(
        basics.read_text().replace(
            "Leader election is a cluster of interchangeable nodes",
            "REWORDED: leader election is a cluster of interchangeable nodes",
            1,
        )
    )
    old = InProcessApp.from_env(env)
    new = InProcessApp.from_env({**env, "CONTENT_DIR": str(lessons)})
    try:
        old.runtime.posts.post_daily(
            team_id="T0001", channel_id=CHANNEL, quiz_day=DAY, timezone="UTC", fence=None
        )
        message = fake_slack.messages(CHANNEL)[-1]
        assert "Question 1 of 5 · Leader election basics" in block_texts(message["blocks"])
        through_new = SlackSender(base_url=new.base_url, response_url_for=fake_slack.response_url)
        right = next(
            letter for letter, t in shown_options(message).items() if unescape(t) == "Leader election"
        )
        through_new.click(value=buttons(message)[right], user="UPLAYER", channel=CHANNEL)
        [verdict] = fake_slack.wait_for_replies(user="UPLAYER")
        said = block_texts(verdict.params["blocks"])
        assert "Correct!" in said and "REWORDED" not in said and "Leader election is a cluster" in said
        new.runtime.posts.post_daily(
            team_id="T0001",
            channel_id=CHANNEL,
            quiz_day=DAY + dt.timedelta(days=1),
            timezone="UTC",
            fence=None,
        )
        fake_slack.wait_for("chat.update", where=lambda c: "Closed" in str(c.params.get("text")))
        revealed = next(m for m in fake_slack.messages(CHANNEL) if m["ts"] == message["ts"])
        assert "REWORDED" not in block_texts(revealed["blocks"])
        assert "Leader election is a cluster" in block_texts(revealed["blocks"])
        # Practice on B asks B's wording; the card (one per question) carries on.
        assert new.runtime.catalog.version_of("T0001", "basics-1", None).explanation.startswith("REWORDED")
    finally:
        new.stop()
        old.stop()
