"""Slack faults injected by the fake Web API: 429 with Retry-After, 5xx, connection resets,
slow answers. Replies still reach everyone once the fault clears; a channel Slack refuses
is flagged and skipped, logged once, while other channels go on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator

import pytest

from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from bot.services.daily_posts import PostStatus
from db.queries.schedules import get_schedule, set_schedule
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CFAULT"


def post(app: InProcessApp, fake: FakeSlack) -> dict:
    outcome = app.runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=dt.date(2026, 11, 26), timezone="UTC", fence=None
    )
    assert outcome.status is PostStatus.POSTED
    return fake.messages(CHANNEL)[-1]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "times": 3},
        {"status": 503, "times": 3},
        {"reset_connection": True, "times": 2},
        {"status": 404, "times": 5},  # Slack's answer to a response_url used up or expired
        {"status": 200, "delay": 11.0, "times": 1},  # slower than the 10 s client timeout
    ],
    ids=["500", "503", "reset", "used-up", "slow"],
)
def test_every_clicker_gets_their_reply_once_the_fault_clears(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender, fault: dict
) -> None:
    """Verdicts go to each click's response_url; one that keeps failing falls back to
    chat.postEphemeral, and nobody is left without their verdict."""
    message = post(app, fake_slack)
    value = buttons(message)[correct_letter(message)]
    fake_slack.fail_next("response_url", **fault)
    users = [f"UFAULT{n}" for n in range(5)]
    for user in users:
        assert slack.click(value=value, user=user, channel=CHANNEL).status_code == 200
    fake_slack.wait_for_replies(5, timeout=40)
    assert app.runtime.outbox.drain(timeout=30)
    replied = fake_slack.replied_users()
    assert sorted(set(replied)) == users
    assert all("Correct!" in block_texts(c.params["blocks"]) for c in fake_slack.replies())
    if fault.get("delay"):  # Slack took the slow one, the app could not know: at most one twice
        assert len(replied) <= len(users) + 1
    else:
        assert len(replied) == len(users)
    if fault.get("status") == 404:  # every URL refused: every verdict sent the other way
        assert len(fake_slack.calls("chat.postEphemeral")) == len(users)
    given_up = {key: n for key, n in app.runtime.outbox.dropped.items() if key[1] != "superseded"}
    assert given_up == {}  # counts replaced by newer ones are fine; nothing else was given up


def test_a_fallback_reply_waits_out_a_429(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    message = post(app, fake_slack)
    value = buttons(message)[correct_letter(message)]
    fake_slack.fail_next("response_url", status=404, times=2)  # both URLs used up
    # Rate limited as Slack limits: every call for a while (the two fallbacks may be in flight
    # together, so both hear it), not just the first.
    fake_slack.fail_next("chat.postEphemeral", status=429, retry_after=1, times=2)
    for user in ("U429A", "U429B"):
        assert slack.click(value=value, user=user, channel=CHANNEL).status_code == 200
    fake_slack.wait_for_replies(2, timeout=20)
    refused = next(c for c in fake_slack.calls("chat.postEphemeral") if c.status == 429)
    later = [c for c in fake_slack.calls("chat.postEphemeral") if c.ok]
    assert len(later) == 2 and all(c.at - refused.at >= 0.9 for c in later)  # the pause held for both
    assert sorted(fake_slack.replied_users()) == ["U429A", "U429B"]


def test_slash_command_reply_survives_response_url_errors(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    fake_slack.fail_next("response_url", status=503, times=2)
    slack.command("help", user="U1", channel=CHANNEL, key="help-after-503")
    [call] = fake_slack.wait_for(
        "response_url", where=lambda c: c.params.get("_key") == "help-after-503", timeout=20
    )
    assert "leaderboard" in block_texts(call.params["blocks"])


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    made = FakeClock(dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC))
    fake_slack.clock = made.now  # message timestamps follow the test's time
    return made


@pytest.fixture
def runtime(env: dict[str, str], clock: FakeClock) -> Iterator[Runtime]:
    made = build_runtime(dataclasses.replace(load_settings(env), replica_id="solo"), clock=clock)
    yield made
    made.close()


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_refused_channel_is_flagged_skipped_and_logged_once(
    runtime: Runtime, clock: FakeClock, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    with runtime.db.writing() as session:
        for channel in ("CGONE", "CFINE"):
            set_schedule(
                session=session,
                team_id="T0001",
                channel_id=channel,
                hour=9,
                minute=0,
                timezone="UTC",
                days="daily",
                now=clock.now(),
            )
    fake_slack.fail_next("chat.postMessage", error=error)
    clock.set(dt.datetime(2026, 11, 26, 9, 1, tzinfo=dt.UTC))
    runtime.scheduler.heartbeat()
    with caplog.at_level(logging.INFO):
        outcomes = {o.status for o in runtime.scheduler.run_due()}
        runtime.scheduler.run_due()
        clock.advance(days=1)
        runtime.scheduler.heartbeat()
        runtime.scheduler.run_due()
    assert outcomes == {PostStatus.POSTED, PostStatus.CHANNEL_REFUSED}
    refused_channel = next(c.params["channel"] for c in fake_slack.calls("chat.postMessage") if not c.ok)
    other = "CFINE" if refused_channel == "CGONE" else "CGONE"
    assert len(fake_slack.messages(other)) == 2  # today and tomorrow
    assert fake_slack.messages(refused_channel) == []
    assert (
        len([c for c in fake_slack.calls("chat.postMessage") if c.params["channel"] == refused_channel]) == 1
    )
    flagged_logs = [r for r in caplog.records if "flagged and skipped" in r.getMessage()]
    assert len(flagged_logs) == 1 and error in flagged_logs[0].getMessage()
    with runtime.db.reading() as session:
        assert (
            get_schedule(session=session, team_id="T0001", channel_id=refused_channel).flagged_error == error
        )
    # Setting the schedule again (after inviting the bot) clears the flag.
    with runtime.db.writing() as session:
        set_schedule(
            session=session,
            team_id="T0001",
            channel_id=refused_channel,
            hour=9,
            minute=0,
            timezone="UTC",
            days="daily",
            now=clock.now() - dt.timedelta(hours=1),
        )
    runtime.scheduler.run_due()
    assert len(fake_slack.messages(refused_channel)) == 1
