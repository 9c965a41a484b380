"""`/leader-quiz` over HTTP: practice, help, lessons, admin checks and schedules."""

from __future__ import annotations

import datetime as dt

import pytest

from db.queries.schedules import get_schedule
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter, question_for, wrong_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CCMD"


def reply(fake: FakeSlack, key: str) -> dict:
    call = fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key)[-1]
    return call.params


def text_of(fake: FakeSlack, key: str) -> str:
    return block_texts(reply(fake, key).get("blocks") or [])


def test_help_and_unknown_word(slack: SlackSender, fake_slack: FakeSlack) -> None:
    assert slack.command("help", user="U1", channel=CHANNEL, key="help").status_code == 200
    helped = text_of(fake_slack, "help")
    for word in (
        "practice",
        "stats",
        "leaderboard",
        "schedule",
        "lessons",
        "teams",
        "per member per quiz day",
    ):
        assert word in helped
    slack.command("frobnicate now", user="U1", channel=CHANNEL, key="unknown")
    unknown = text_of(fake_slack, "unknown")
    assert "I don't know `frobnicate`" in unknown and "leaderboard" in unknown
    assert reply(fake_slack, "unknown")["response_type"] == "ephemeral"


def test_practice_teaches_without_touching_streaks(
    slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp
) -> None:
    slack.command("", user="ULEARN", channel=CHANNEL, key="p1")
    practice = reply(fake_slack, "p1")
    message = {"blocks": practice["blocks"]}
    assert question_for(message).id == "basics-1"  # never answered: the curriculum's first
    values = buttons(message)
    assert all(action.startswith("p:") for action in values.values())

    slack.practice_click(value=values[wrong_letter(message)], user="ULEARN", channel=CHANNEL)
    graded = fake_slack.wait_for("response_url", count=2)[-1].params
    assert graded["replace_original"] is True
    assert "Not quite" in block_texts(graded["blocks"])
    assert "Leader election basics: 0 / 5 completed" in block_texts(graded["blocks"])

    slack.practice_click(value=values[correct_letter(message)], user="ULEARN", channel=CHANNEL)
    graded = fake_slack.wait_for("response_url", count=3)[-1].params
    assert "Leader election basics: 1 / 5 completed" in block_texts(graded["blocks"])

    # Practice counts toward lessons, never toward streaks or leaderboards.
    slack.command("stats", user="ULEARN", channel=CHANNEL, key="s")
    stats = text_of(fake_slack, "s")
    assert "0 correct of 0 answered" in stats and "Leader election basics: 1 / 5 completed" in stats
    slack.command("leaderboard all", user="ULEARN", channel=CHANNEL, key="b")
    assert "No answers" in text_of(fake_slack, "b")

    # The next practice question moves on to one not yet answered correctly.
    slack.command("practice", user="ULEARN", channel=CHANNEL, key="p2")
    assert question_for({"blocks": reply(fake_slack, "p2")["blocks"]}).id == "basics-2"


def test_practice_one_lesson_and_lessons_list(slack: SlackSender, fake_slack: FakeSlack) -> None:
    slack.command("practice 3", user="U1", channel=CHANNEL, key="l3")
    assert question_for({"blocks": reply(fake_slack, "l3")["blocks"]}).lesson_id == "heartbeats"
    slack.command("practice nosuchlesson", user="U1", channel=CHANNEL, key="none")
    assert "No lesson matches `nosuchlesson`" in text_of(fake_slack, "none")
    slack.command("lessons", user="U1", channel=CHANNEL, key="lessons")
    assert "*Leader election basics* (`basics`): 0 / 5 completed" in text_of(fake_slack, "lessons")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("schedule 25:00 UTC mon-fri", "'25:00'"),
        ("schedule 09:00 Mars/Base mon-fri", "'Mars/Base'"),
        ("schedule 09:00 UTC funday", "'funday'"),
        ("schedule 09:00 UTC", "Usage"),
    ],
)
def test_bad_schedule_names_the_bad_part_and_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp, text: str, named: str
) -> None:
    slack.command("schedule 08:15 Europe/Berlin mon-fri", user="UADMIN", channel=CHANNEL, key="ok")
    assert "08:15 Europe/Berlin mon-fri" in text_of(fake_slack, "ok")
    slack.command(text, user="UADMIN", channel=CHANNEL, key="bad")
    answer = text_of(fake_slack, "bad")
    assert named in answer and "Nothing was changed" in answer
    with app.runtime.db.reading() as session:
        schedule = get_schedule(session=session, team_id="T0001", channel_id=CHANNEL)
        assert (schedule.hour, schedule.minute, schedule.timezone, schedule.days) == (
            8,
            15,
            "Europe/Berlin",
            "mon-fri",
        )


def test_admin_commands_refuse_non_admins(
    slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp
) -> None:
    for text in ("schedule 09:00 UTC daily", "post", "status", "schedule off"):
        key = f"refused-{text}"
        slack.command(text, user="UPLAIN", channel=CHANNEL, key=key)
        assert "is for workspace admins" in text_of(fake_slack, key)
    assert fake_slack.messages(CHANNEL) == []
    with app.runtime.db.reading() as session:
        assert get_schedule(session=session, team_id="T0001", channel_id=CHANNEL) is None
    # users.info was asked once for that user, then the answer was cached.
    assert len([c for c in fake_slack.calls("users.info") if c.params.get("user") == "UPLAIN"]) == 1


def test_owner_and_quiz_admin_may_post(fake_slack: FakeSlack, env: dict[str, str]) -> None:
    server = InProcessApp.from_env({**env, "QUIZ_ADMINS": "UQUIZ, UOTHER"})
    try:
        slack = SlackSender(base_url=server.base_url, response_url_for=fake_slack.response_url)
        slack.command("post", user="UQUIZ", channel=CHANNEL, key="post")
        assert "Posted today's question" in text_of(fake_slack, "post")
        assert not fake_slack.calls("users.info")  # QUIZ_ADMINS needs no lookup
        slack.command("post", user="UOWNER", channel=CHANNEL, key="again")
        assert "already posted" in text_of(fake_slack, "again")
        assert len(fake_slack.messages(CHANNEL)) == 1
        today = dt.datetime.now(dt.UTC).date().isoformat()
        assert today in text_of(fake_slack, "post")
        slack.command("status", user="UOWNER", channel=CHANNEL, key="status")
        assert "leader-quiz status" in text_of(fake_slack, "status")
    finally:
        server.stop()


def test_stats_for_another_user_and_bad_mention(slack: SlackSender, fake_slack: FakeSlack) -> None:
    slack.command("stats <@UFRIEND|friend>", user="U1", channel=CHANNEL, key="friend")
    assert "<@UFRIEND>'s leader-quiz stats" in text_of(fake_slack, "friend")
    slack.command("stats bob", user="U1", channel=CHANNEL, key="bob")
    assert "is not a person" in text_of(fake_slack, "bob")
    slack.command("leaderboard yearly", user="U1", channel=CHANNEL, key="period")
    assert "is not a period" in text_of(fake_slack, "period")
