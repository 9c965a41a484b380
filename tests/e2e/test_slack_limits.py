"""Living within Slack's published limits (SPEC §11), against the fake that enforces them:
verdicts through each click's response_url, answer counts sharing chat.update's budget, one
budget for every replica, reminder DMs paced in order of each person's chosen time."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.slack.outbox import POST, WORKERS, Call
from db.models import Reminder, ReviewCard
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

TEAM = "T0001"
TODAY = dt.date(2026, 12, 7)


def post(app: InProcessApp, channel: str) -> None:
    outcome = app.runtime.posts.post_daily(
        team_id=TEAM, channel_id=channel, quiz_day=TODAY, timezone="UTC", fence=None
    )
    assert outcome.status.value == "posted", outcome


def within_any_minute(times: list[float]) -> int:
    """The most calls in any 60 s window."""
    times = sorted(times)
    most = 0
    for start, at in enumerate(times):
        most = max(most, sum(1 for later in times[start:] if later - at < 60.0))
    return most


def test_a_big_channel_gets_every_verdict_through_its_response_urls(
    app: InProcessApp, fake_slack: FakeSlack
) -> None:
    """More clickers than chat.postEphemeral's 100 a minute: every verdict goes to its click's
    own response_url (no Web API tier), none through the Web API, no 429 drawn."""
    post(app, "CBIG")
    values = list(buttons(fake_slack.messages("CBIG")[-1]).values())
    users = [f"UBIG{n:04d}" for n in range(150)]

    def click(user: str) -> int:
        sender = SlackSender(base_url=app.base_url, response_url_for=fake_slack.response_url)
        return sender.click(value=values[hash(user) % len(values)], user=user, channel="CBIG").status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(click, users)) == {200}
    fake_slack.wait_for_replies(len(users), timeout=30)
    assert sorted(u for u in fake_slack.replied_users() if u and u.startswith("UBIG")) == users
    assert fake_slack.calls("chat.postEphemeral") == []
    assert fake_slack.throttled == []
    fake_slack.wait_for(
        "chat.update",
        where=lambda c: "150 people answered" in block_texts(c.params.get("blocks") or []),
        timeout=15,
    )


@pytest.fixture
def tight_env(env: dict[str, str], fake_slack: FakeSlack) -> dict[str, str]:
    """Budgets far below Slack's floors, in the app and in the fake alike, so a minute's worth
    of sends is a handful and a test sees the budget run out."""
    for method, per_minute in (("chat.update", 3), ("views.publish", 5), ("chat.postMessage", 5)):
        fake_slack.set_limit(method, per_minute)
    return {
        **env,
        "SLACK_RATE_LIMITS": "chat.update=3,views.publish=5,chat.postMessage=5",
        "COUNT_UPDATE_SECONDS": "1",
    }


@pytest.fixture
def tight_app(tight_env: dict[str, str]) -> Iterator[InProcessApp]:
    made = InProcessApp.from_env(tight_env)
    yield made
    made.stop()


def test_many_open_questions_share_chat_update_s_budget_and_each_ends_on_its_count(
    tight_app: InProcessApp, fake_slack: FakeSlack
) -> None:
    """Five open questions in one workspace, chat.update at 3 a minute: the counts wait their
    turn (no 429 drawn), and every message ends showing its stored count."""
    channels = [f"CMANY{n}" for n in range(5)]
    for channel in channels:
        post(tight_app, channel)
    # The clicks arrive while every outbox worker is busy, so each message's count waits in
    # line as one send (the newest wins), and five of them meet a budget of three.
    release = threading.Event()
    for n in range(WORKERS):
        tight_app.runtime.outbox.submit(
            Call(kind=POST, team_id=TEAM, what=f"busy {n}", call=lambda: release.wait(10))
        )
    sender = SlackSender(base_url=tight_app.base_url, response_url_for=fake_slack.response_url)
    clicks = {channel: n + 1 for n, channel in enumerate(channels)}
    for channel, count in clicks.items():
        value = next(iter(buttons(fake_slack.messages(channel)[-1]).values()))
        for n in range(count):
            assert sender.click(value=value, user=f"U{channel}{n}", channel=channel).status_code == 200
    release.set()

    def shown(channel: str) -> bool:
        message = fake_slack.messages(channel)[-1]
        wanted = f"{clicks[channel]} people answered" if clicks[channel] > 1 else "1 person answered"
        return wanted in block_texts(message.get("blocks") or [])

    deadline = time.monotonic() + 90
    while not all(shown(channel) for channel in channels) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [channel for channel in channels if not shown(channel)] == []
    assert fake_slack.throttled == []
    updates = [c.at for c in fake_slack.calls("chat.update") if c.ok]
    assert len(updates) == len(channels)  # one per message: the newest count of each
    assert within_any_minute(updates) == 3  # the budget, and the rest waited their turn
    assert max(updates) - min(updates) >= 55


def test_two_replicas_offered_more_than_the_budget_stay_within_it_together(
    tight_env: dict[str, str], fake_slack: FakeSlack
) -> None:
    """views.publish at 5 a minute; each replica alone is asked for 8 App Homes at once. The
    budget lives in the database, so together they publish 5, draw no 429, and the rest wait."""
    a, b = InProcessApp.from_env(tight_env), InProcessApp.from_env(tight_env)
    try:
        senders = [
            SlackSender(base_url=replica.base_url, response_url_for=fake_slack.response_url)
            for replica in (a, b)
        ]
        for n in range(8):
            for index, sender in enumerate(senders):
                opener = f"UHOME{index}{n}"
                assert (
                    sender.event({"type": "app_home_opened", "user": opener, "tab": "home"}).status_code
                    == 200
                )
        fake_slack.wait_for("views.publish", count=5, timeout=15)
        time.sleep(3.0)  # long enough for any replica that would overdraw to have done it
        published = [c for c in fake_slack.calls("views.publish") if c.ok]
        assert len(published) == 5
        assert fake_slack.throttled == []
        waiting = sum(r.runtime.outbox.backlog()["home"]["queued"] for r in (a, b))
        assert waiting == 16 - 5
    finally:
        a.stop()
        b.stop()


def test_reminder_dms_are_paced_in_order_of_each_person_s_chosen_time(
    tight_env: dict[str, str], fake_slack: FakeSlack
) -> None:
    """chat.postMessage at 5 a minute; seven people chose 09:00 to 09:06 and every reminder is
    due at once: the first five go now, earliest chosen time first, and the rest wait for the
    budget instead of drawing a 429."""
    clock = FakeClock(dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC))
    fake_slack.clock = clock.now
    app = InProcessApp.from_env(tight_env, clock=clock)
    try:
        people = [f"UREM{n}" for n in range(7)]
        long_ago = clock.now() - dt.timedelta(days=3)
        with app.runtime.db.writing() as session:
            for n, user in reversed(list(enumerate(people))):  # stored latest first
                session.add(
                    Reminder(
                        team_id=TEAM,
                        user_id=user,
                        hour=9,
                        minute=n,
                        timezone="UTC",
                        created_at=long_ago,
                        updated_at=long_ago,
                    )
                )
                session.add(
                    ReviewCard(
                        team_id=TEAM,
                        user_id=user,
                        question_id="basics-1",
                        state=2,
                        stability=3.0,
                        difficulty=5.0,
                        due=clock.now() - dt.timedelta(hours=1),
                        last_review=long_ago,
                    )
                )
        app.runtime.scheduler.heartbeat()
        app.runtime.scheduler.run_reminders()
        time.sleep(4.0)
        dms = [c for c in fake_slack.calls("chat.postMessage") if c.ok]
        # The five earliest chosen times went (together, so in any order at Slack); the two
        # latest wait for the budget.
        assert sorted(c.params["channel"] for c in dms) == people[:5]
        assert fake_slack.throttled == []
        assert app.runtime.outbox.backlog()["reminder"]["queued"] == 2
    finally:
        app.stop()
