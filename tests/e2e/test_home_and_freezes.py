"""Streak freezes, fairness to late joiners and App Home, over HTTP."""

from __future__ import annotations

import datetime as dt
import time

from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter, question_for, unescape, wrong_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CFREEZE"
START = dt.date(2026, 11, 2)


def play(
    app: InProcessApp, fake: FakeSlack, slack: SlackSender, day: int, answers: dict[str, bool | None]
) -> None:
    outcome = app.runtime.posts.post_daily(
        team_id="T0001",
        channel_id=CHANNEL,
        quiz_day=START + dt.timedelta(days=day),
        timezone="UTC",
        fence=None,
    )
    assert outcome.status.value == "posted"
    message = fake.messages(CHANNEL)[-1]
    values = buttons(message)
    before = len(fake.replies())
    clicks = 0
    for user, right in answers.items():
        if right is None:
            continue
        letter = correct_letter(message) if right else wrong_letter(message)
        slack.click(value=values[letter], user=user, channel=CHANNEL)
        clicks += 1
    if clicks:
        fake.wait_for_replies(before + clicks)


def command_text(fake: FakeSlack, slack: SlackSender, text: str, user: str) -> str:
    key = f"{text}-{user}-{time.monotonic_ns()}"
    slack.command(text, user=user, channel=CHANNEL, key=key)
    call = fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key)[-1]
    return block_texts(call.params["blocks"])


def test_a_freeze_saves_the_streak_on_a_missed_day_but_not_on_a_wrong_answer(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    for day in range(7):  # a week of right answers earns a freeze
        play(app, fake_slack, slack, day, {"UFREEZE": True, "UPLAIN": True})
    stats = command_text(fake_slack, slack, "stats", "UFREEZE")
    assert "Current streak: *7 days*" in stats and "Streak freezes: 1 held · 0 used" in stats
    play(app, fake_slack, slack, 7, {"UFREEZE": None, "UPLAIN": False})  # missed vs wrong
    play(app, fake_slack, slack, 8, {"UFREEZE": True, "UPLAIN": True})
    frozen = command_text(fake_slack, slack, "stats", "UFREEZE")
    assert "Current streak: *8 days*" in frozen and "Streak freezes: 0 held · 1 used" in frozen
    wrong = command_text(fake_slack, slack, "stats", "UPLAIN")
    assert "Current streak: *1 day*" in wrong and "Streak freezes: 1 held · 0 used" in wrong
    play(app, fake_slack, slack, 9, {"UFREEZE": None})
    play(app, fake_slack, slack, 10, {"UFREEZE": None})  # day 9 closed: no freeze left, streak over
    assert "Current streak: *0 days*" in command_text(fake_slack, slack, "stats", "UFREEZE")


def test_late_joiner_sees_days_since_joining_and_accuracy_board(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    for day in range(8):
        late = None if day < 3 else True
        play(app, fake_slack, slack, day, {"UEARLY": day % 2 == 0, "ULATE": late})
    stats = command_text(fake_slack, slack, "stats", "ULATE")
    assert "Answered 5 of 5 quiz days since joining" in stats
    early = command_text(fake_slack, slack, "stats", "UEARLY")
    assert "Answered 8 of 8 quiz days since joining" in early
    by_correct = command_text(fake_slack, slack, "leaderboard all", "ULATE")
    assert by_correct.index("<@ULATE>") < by_correct.index("<@UEARLY>")  # 5 correct vs 4
    by_accuracy = command_text(fake_slack, slack, "leaderboard accuracy all", "ULATE")
    assert "Accuracy leaderboard" in by_accuracy and "*100%* of 5" in by_accuracy
    assert by_accuracy.index("<@ULATE>") < by_accuracy.index("<@UEARLY>")
    play(app, fake_slack, slack, 8, {"UNEW": True})
    assert "<@UNEW>" not in command_text(fake_slack, slack, "leaderboard accuracy all", "UNEW")  # < 5 answers
    assert "is not a period" in command_text(fake_slack, slack, "leaderboard accuracy yearly", "UNEW")


def test_app_home_shows_streak_freezes_rank_and_lessons(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    for offset in range(7, 0, -1):  # this month's quiz days, so the month rank exists
        day = today - dt.timedelta(days=offset - 1)
        if day.month != today.month:
            continue
        outcome = app.runtime.posts.post_daily(
            team_id="T0001", channel_id=CHANNEL, quiz_day=day, timezone="UTC", fence=None
        )
        message = fake_slack.messages(CHANNEL)[-1]
        before = len(fake_slack.replies())
        slack.click(value=buttons(message)[correct_letter(message)], user="UHOME", channel=CHANNEL)
        slack.click(value=buttons(message)[wrong_letter(message)], user="UOTHER", channel=CHANNEL)
        fake_slack.wait_for_replies(before + 2)
        assert outcome.status.value == "posted"
    response = slack.event(
        {
            "type": "app_home_opened",
            "user": "UHOME",
            "channel": "DHOME",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
    )
    assert response.status_code == 200
    [published] = fake_slack.wait_for("views.publish", where=lambda c: c.params.get("user_id") == "UHOME")
    view = published.params["view"]
    assert view["type"] == "home"
    shown = block_texts(view["blocks"])
    assert f"<#{CHANNEL}>" in shown and "#1 of 2 this month" in shown
    assert "Leader election basics:" in shown and "freezes held" in shown
    # The latest verdicts, with what the private replies said (ephemeral replies vanish).
    played = min(7, dt.datetime.now(dt.UTC).day)  # this month's quiz days above
    assert "Your latest answers" in shown and shown.count("You chose") == min(3, played)
    latest = question_for(fake_slack.messages(CHANNEL)[-1])
    assert latest.explanation[:80] in unescape(shown)
    print("\n--- App Home as rendered ---\n" + shown)
    slack.event({"type": "app_home_opened", "user": "UNOBODY", "channel": "DX", "tab": "home"})
    [empty] = fake_slack.wait_for("views.publish", where=lambda c: c.params.get("user_id") == "UNOBODY")
    assert "not answered a daily question yet" in block_texts(empty.params["view"]["blocks"])
    slack.event({"type": "app_home_opened", "user": "UHOME", "channel": "DHOME", "tab": "messages"})
    time.sleep(0.3)
    assert len(fake_slack.calls("views.publish")) == 2  # the Messages tab publishes nothing
