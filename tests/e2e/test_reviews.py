"""Spaced review end to end over HTTP (SPEC §10): a missed daily question comes back as a due
review, App Home shows it, `/leader-quiz review` serves it, the reminder DM arrives once at the
person's chosen local time with two replicas running, `remind off` stops it, and insights
count what the channel got wrong."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from bot.config import load_settings
from content import load_bank
from db.queries.schedules import set_schedule
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.messages import (
    block_texts,
    buttons,
    correct_letter,
    question_for,
    shown_options,
    wrong_letter,
)
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

TEAM, CHANNEL = "T0001", "CREVIEW"
MONDAY = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    made = FakeClock(MONDAY)
    fake_slack.clock = made.now
    return made


@pytest.fixture
def replicas(env: dict[str, str], clock: FakeClock) -> Iterator[list[InProcessApp]]:
    made = []
    for name in ("replica-a", "replica-b"):
        settings = dataclasses.replace(load_settings(env), replica_id=name)
        app = InProcessApp(settings, clock=clock)
        made.append(app)
    with made[0].runtime.db.writing() as session:
        set_schedule(
            session=session,
            team_id=TEAM,
            channel_id=CHANNEL,
            hour=9,
            minute=0,
            timezone="Europe/Berlin",
            days="daily",
            now=MONDAY - dt.timedelta(days=1),
        )
    yield made
    for app in made:
        app.stop()


def click(slack: SlackSender, fake: FakeSlack, message: dict, *, user: str, right: bool) -> None:
    letter = correct_letter(message) if right else wrong_letter(message)
    assert slack.click(value=buttons(message)[letter], user=user, channel=CHANNEL).status_code == 200
    fake.wait_for_replies(user=user)


def home_of(slack: SlackSender, fake: FakeSlack, user: str) -> str:
    before = len(fake.calls("views.publish"))
    slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    calls = fake.wait_for("views.publish", count=before + 1, where=lambda c: c.params.get("user_id") == user)
    return block_texts(calls[-1].params["view"]["blocks"])


def reminders_to(fake: FakeSlack, user: str) -> list:
    """The reminder DMs sent to a person (posted to their user id, or to their DM channel)."""
    return [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok
        and c.params.get("channel") in (user, f"D{user}")
        and (c.params.get("metadata") or {}).get("event_type") == "leader_quiz_reminder"
    ]


def run_reminders(replicas: list[InProcessApp]) -> None:
    """Each replica's reminder pass (only the leader's queues anything), sent before returning."""
    for app in replicas:
        app.runtime.scheduler.heartbeat()
        app.runtime.scheduler.run_reminders()
        assert app.runtime.outbox.drain(20)


def test_a_missed_question_comes_back_and_the_reminder_arrives_once(
    replicas: list[InProcessApp], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, b = replicas
    slack = SlackSender(base_url=b.base_url, response_url_for=fake_slack.response_url)
    fake_slack.time_zones["UALICE"] = "Europe/Berlin"
    a.runtime.scheduler.heartbeat()  # a leads; b follows
    a.runtime.scheduler.run_due()
    message = fake_slack.messages(CHANNEL)[-1]
    question = question_for(message)
    click(slack, fake_slack, message, user="UALICE", right=False)

    slack.command("remind on 18:30", user="UALICE", channel=CHANNEL, key="remind")
    said = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "remind")[-1].params["blocks"]
    )
    assert "18:30" in said and "Europe/Berlin" in said

    # An hour on: the missed question is due (FSRS: a lapse comes back within minutes).
    clock.advance(hours=1)
    home = home_of(slack, fake_slack, "UALICE")
    assert "1 review due" in home
    assert "Remembered now" in home

    # 18:29 in Berlin: too early. 18:31: one DM, whichever replicas run the job, however often.
    clock.set(dt.datetime(2026, 12, 7, 17, 29, tzinfo=dt.UTC))
    run_reminders(replicas)
    assert reminders_to(fake_slack, "UALICE") == []
    clock.set(dt.datetime(2026, 12, 7, 17, 31, tzinfo=dt.UTC))
    run_reminders(replicas)
    run_reminders(replicas)
    [dm] = reminders_to(fake_slack, "UALICE")
    text = block_texts(dm.params["blocks"])
    assert "1 review due" in text and question.prompt[:40].replace("&", "&amp;") in text
    assert any(
        el.get("action_id") == "review_start" for blk in dm.params["blocks"] for el in blk.get("elements", [])
    )
    # A replica started afresh (a restart) does not send it again either.
    restarted = InProcessApp(dataclasses.replace(a.settings, replica_id="replica-c"), clock=clock)
    try:
        a.runtime.scheduler.release()
        restarted.runtime.scheduler.heartbeat()
        restarted.runtime.scheduler.run_reminders()
        assert restarted.runtime.outbox.drain(20)
    finally:
        restarted.stop()
    assert len(reminders_to(fake_slack, "UALICE")) == 1

    # /leader-quiz review serves the missed question; answering it right shows why, then the rest.
    slack.command("review", user="UALICE", channel=CHANNEL, key="review")
    served = fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "review")[-1].params
    assert question.prompt[:40].replace("&", "&amp;") in block_texts(served["blocks"])
    review = {"blocks": served["blocks"]}
    letters = buttons(review)
    right = next(
        letter
        for letter, text in shown_options(review).items()
        if text == next(o.text for o in question.options if o.correct).replace("&", "&amp;")
    )
    payload = slack.action_payload(
        action_id=f"review_{right}", value=letters[right], user="UALICE", channel=CHANNEL, key="graded"
    )
    assert slack.post_raw(urlencode({"payload": json.dumps(payload)})).status_code == 200
    graded = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "graded")[-1].params["blocks"]
    )
    assert "Correct!" in graded and "All caught up" in graded
    assert "no reviews due" in home_of(slack, fake_slack, "UALICE").lower()

    # The streak is as the daily answer left it: reviews never change it.
    slack.command("stats", user="UALICE", channel=CHANNEL, key="stats")
    stats = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "stats")[-1].params["blocks"]
    )
    assert "Current streak: *0 days*" in stats and "0 correct of 1 answered" in stats

    # Next day her card is due again eventually; with reminders off nothing is sent.
    slack.command("remind off", user="UALICE", channel=CHANNEL, key="off")
    fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "off")
    clock.set(dt.datetime(2026, 12, 20, 17, 31, tzinfo=dt.UTC))
    run_reminders(replicas)
    assert len(reminders_to(fake_slack, "UALICE")) == 1


def test_no_dm_without_an_opt_in_or_without_anything_to_say(
    replicas: list[InProcessApp], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    slack = SlackSender(base_url=a.base_url, response_url_for=fake_slack.response_url)
    a.runtime.scheduler.heartbeat()
    a.runtime.scheduler.run_due()
    message = fake_slack.messages(CHANNEL)[-1]
    click(slack, fake_slack, message, user="UNEVER", right=False)  # has a due card, never opted in
    slack.command("remind on 10:00", user="UQUIET", channel=CHANNEL, key="quiet")  # opted in, nothing due
    fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "quiet")
    clock.set(dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC))
    run_reminders(replicas)
    assert reminders_to(fake_slack, "UNEVER") == [] and reminders_to(fake_slack, "UQUIET") == []
    assert not fake_slack.calls("conversations.open")


def test_a_streak_of_three_at_risk_is_named(
    replicas: list[InProcessApp], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    slack = SlackSender(base_url=a.base_url, response_url_for=fake_slack.response_url)
    for day in range(3):  # three quiz days right, each reviewed at once so no review is due
        clock.set(MONDAY + dt.timedelta(days=day))
        a.runtime.scheduler.heartbeat()
        a.runtime.scheduler.run_due()
        click(slack, fake_slack, fake_slack.messages(CHANNEL)[-1], user="UBOB", right=True)
    slack.command("remind on 20:00", user="UBOB", channel=CHANNEL, key="bob")
    fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "bob")
    clock.set(MONDAY + dt.timedelta(days=3))  # Thursday's question is posted; Bob has not answered
    a.runtime.scheduler.heartbeat()
    a.runtime.scheduler.run_due()
    clock.set(MONDAY + dt.timedelta(days=3, hours=12, minutes=1))  # 20:01 UTC
    run_reminders(replicas)
    [dm] = reminders_to(fake_slack, "UBOB")
    text = block_texts(dm.params["blocks"])
    assert "3-day streak" in text and f"<#{CHANNEL}>" in text


def test_insights_count_what_the_channel_got_wrong(
    replicas: list[InProcessApp], fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    slack = SlackSender(base_url=a.base_url, response_url_for=fake_slack.response_url)
    a.runtime.scheduler.heartbeat()
    a.runtime.scheduler.run_due()
    message = fake_slack.messages(CHANNEL)[-1]
    question = question_for(message)
    wrong = wrong_letter(message)
    for user, letter in (("U1", wrong), ("U2", wrong), ("U3", correct_letter(message))):
        assert slack.click(value=buttons(message)[letter], user=user, channel=CHANNEL).status_code == 200
    fake_slack.wait_for_replies(3)
    fake_slack.admins.add("UADMIN")
    slack.command("insights all", user="UADMIN", channel=CHANNEL, key="insights")
    reply = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "insights")[-1].params[
            "blocks"
        ]
    )
    wrong_text = shown_options(message)[wrong]
    assert "33% right" in reply and wrong_text in reply and "(67%)" in reply
    report = a.runtime.insights.insights(team_id=TEAM, channel_id=CHANNEL, period="all").as_json()
    [row] = report["questions"]
    assert row == {
        "question": question.id,
        "answered": 3,
        "first_right_share": 0.3333,
        "top_wrong_option": wrong_text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"),
        "top_wrong_share": 0.6667,
    }
    assert {lesson["lesson"] for lesson in report["lessons"]} >= {"Leader election basics"}
    slack.command("insights", user="U1", channel=CHANNEL, key="refused")  # not an admin
    refused = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "refused")[-1].params[
            "blocks"
        ]
    )
    assert "for workspace admins" in refused


def answer_reviews(slack: SlackSender, fake: FakeSlack, user: str, key: str) -> int:
    """Do every due review, right each time (as a person who read the explanations); how many."""
    done = 0
    slack.command("review", user=user, channel=CHANNEL, key=f"{key}-0")
    served = fake.wait_for("response_url", where=lambda c: c.params["_key"] == f"{key}-0")[-1].params[
        "blocks"
    ]
    while buttons({"blocks": served}):
        shown = {"blocks": served}
        prompt_question = next(
            q
            for q in load_bank().questions
            if q.prompt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in block_texts(served)
        )
        right_text = (
            next(o.text for o in prompt_question.options if o.correct)
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
        )
        letter = next(letter for letter, text in shown_options(shown).items() if text == right_text)
        done += 1
        payload = slack.action_payload(
            action_id=f"review_{letter}",
            value=buttons(shown)[letter],
            user=user,
            channel=CHANNEL,
            key=f"{key}-{done}",
        )
        slack.post_raw(urlencode({"payload": json.dumps(payload)}))
        served = fake.wait_for("response_url", where=lambda c, k=f"{key}-{done}": c.params["_key"] == k)[
            -1
        ].params["blocks"]
        if done > 50:
            raise AssertionError("reviews never ran out")
    return done


def test_two_weeks_of_one_person(
    replicas: list[InProcessApp],
    clock: FakeClock,
    fake_slack: FakeSlack,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Alice in Berlin answers the 09:00 question each morning (wrong on days 1, 4 and 9),
    opted in to reminders at 18:00, and does her due reviews when the reminder comes. The
    transcript is what the closing note shows; the assertions are the rules."""
    a, b = replicas
    slack = SlackSender(base_url=b.base_url, response_url_for=fake_slack.response_url)
    fake_slack.time_zones["UALICE"] = "Europe/Berlin"
    slack.command("remind on 18:00", user="UALICE", channel=CHANNEL, key="remind")
    fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "remind")
    transcript: list[str] = []
    wrong_days = {1, 4, 9}
    for day in range(1, 15):
        morning = MONDAY + dt.timedelta(days=day - 1, minutes=5)  # 09:05 Berlin
        clock.set(morning)
        a.runtime.scheduler.heartbeat()
        a.runtime.scheduler.run_due()
        message = fake_slack.messages(CHANNEL)[-1]
        right = day not in wrong_days
        click(slack, fake_slack, message, user="UALICE", right=right)
        transcript.append(
            f"day {day:2} {morning:%a %d %b} 09:05  daily {question_for(message).id}: {'right' if right else 'WRONG'}"
        )
        clock.set(MONDAY + dt.timedelta(days=day - 1, hours=8, minutes=55))  # 17:55 Berlin
        due_line = next(
            line for line in home_of(slack, fake_slack, "UALICE").splitlines() if "due" in line.lower()
        )
        transcript.append(f"              17:55  App Home: {due_line.strip()}")
        clock.set(MONDAY + dt.timedelta(days=day - 1, hours=9, minutes=0, seconds=20))  # 18:00:20 Berlin
        before = len(reminders_to(fake_slack, "UALICE"))
        run_reminders(replicas)
        run_reminders(replicas)
        sent = reminders_to(fake_slack, "UALICE")[before:]
        assert len(sent) <= 1  # at most one a day, whatever runs the job
        if sent:
            first_line = block_texts(sent[0].params["blocks"]).splitlines()[0]
            transcript.append(f"              18:00  DM: {first_line}")
            done = answer_reviews(slack, fake_slack, "UALICE", key=f"d{day}")
            transcript.append(f"              18:02  reviewed {done}, all right")
        else:
            transcript.append("              18:00  no DM (nothing to say)")
    slack.command("stats", user="UALICE", channel=CHANNEL, key="final")
    stats = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "final")[-1].params["blocks"]
    )
    transcript.append(
        "final stats: " + " | ".join(line.strip() for line in stats.splitlines() if line.strip())[:600]
    )
    # Reviews never change streaks: the streak is the run since day 9's miss (days 10-14).
    assert "Current streak: *5 days*" in stats and "11 correct of 14 answered" in stats
    days_with_dm = sum(1 for line in transcript if " DM: " in line)
    assert 1 <= days_with_dm <= 14
    out = tmp_path_factory.getbasetemp() / "two-weeks.txt"
    out.write_text("\n".join(transcript) + "\n")
    print("\n".join(transcript))
