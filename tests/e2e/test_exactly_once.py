"""Exactly one daily post per channel and quiz day, whatever happens: replicas firing
together, a leader paused past its lease, crashes between claim, Slack and storing the ts.
Real database, fake Slack, an injected clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from bot.services.daily_posts import PostStatus
from db.models import Post
from db.queries import claims
from db.queries import posts as post_queries
from db.queries.schedules import set_schedule
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.posts import channel_posts

TEAM, CHANNEL = "T0001", "CONCE"
DAY = dt.date(2026, 11, 26)
NINE_UTC = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    made = FakeClock(NINE_UTC - dt.timedelta(hours=1))
    fake_slack.clock = made.now  # message timestamps follow the test's time
    return made


@pytest.fixture
def replicas(env: dict[str, str], clock: FakeClock) -> Iterator[list[Runtime]]:
    made: list[Runtime] = []
    for name in ("replica-a", "replica-b"):
        settings = dataclasses.replace(load_settings(env), replica_id=name)
        runtime = build_runtime(settings, clock=clock)
        made.append(runtime)
    with made[0].db.writing() as session:
        set_schedule(
            session=session,
            team_id=TEAM,
            channel_id=CHANNEL,
            hour=9,
            minute=0,
            timezone="UTC",
            days="daily",
            now=clock.now(),
        )
    yield made
    for runtime in made:
        runtime.close()


def posts(runtime: Runtime) -> list[Post]:
    with runtime.db.reading() as session:
        return channel_posts(session=session, team_id=TEAM, channel_id=CHANNEL)


def test_only_one_replica_leads_and_tokens_increase(replicas: list[Runtime], clock: FakeClock) -> None:
    a, b = replicas
    fence_a = a.scheduler.heartbeat()
    assert fence_a is not None and b.scheduler.heartbeat() is None
    clock.advance(seconds=5)
    assert a.scheduler.heartbeat().token == fence_a.token  # renewal keeps the token
    clock.advance(seconds=14)
    assert b.scheduler.heartbeat() is None  # renewed 14 s ago: not expired yet
    clock.advance(seconds=2)
    fence_b = b.scheduler.heartbeat()
    assert fence_b is not None and fence_b.token == fence_a.token + 1
    assert a.scheduler.heartbeat() is None and not a.scheduler.is_leader()


def test_two_replicas_firing_together_post_once(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, b = replicas
    clock.set(NINE_UTC - dt.timedelta(seconds=10))
    old = a.scheduler.heartbeat()
    clock.set(NINE_UTC + dt.timedelta(seconds=20))  # a's lease ran out at 09:00:05
    assert b.scheduler.heartbeat().token == old.token + 1
    # a's clock lags, so it still believes it leads: both fire at the same moment.
    a.scheduler._fence = dataclasses.replace(old, expires_at=NINE_UTC + dt.timedelta(hours=1))
    results: list[PostStatus] = []
    barrier = threading.Barrier(2)

    def fire(runtime: Runtime) -> None:
        barrier.wait()
        results.extend(outcome.status for outcome in runtime.scheduler.run_due())

    threads = [threading.Thread(target=fire, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake_slack.messages(CHANNEL)) == 1
    assert PostStatus.POSTED in results and results.count(PostStatus.POSTED) == 1
    assert [p.status for p in posts(a)] == ["open"]
    assert posts(a)[0].fencing_token == old.token + 1


def test_paused_leader_cannot_post_after_losing_the_lease(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, b = replicas
    stale_fence = a.scheduler.heartbeat()
    clock.set(NINE_UTC + dt.timedelta(seconds=30))  # a is "paused" well past its 15 s lease
    new_fence = b.scheduler.heartbeat()
    assert new_fence.token > stale_fence.token
    outcome = a.posts.post_daily(
        team_id=TEAM, channel_id=CHANNEL, quiz_day=DAY, timezone="UTC", fence=stale_fence
    )
    assert outcome.status is PostStatus.NOT_LEADER
    assert fake_slack.messages(CHANNEL) == [] and posts(a) == []
    assert a.scheduler.run_due() == []  # its own view of the fence has expired too
    b.scheduler.run_due()
    assert len(fake_slack.messages(CHANNEL)) == 1


def test_crash_after_claim_before_posting_is_posted_later_once(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, b = replicas
    clock.set(NINE_UTC + dt.timedelta(seconds=1))
    fence = a.scheduler.heartbeat()
    with a.db.writing() as session:  # a claims, then dies before calling Slack
        claims.claim(
            session,
            Post,
            key={"team_id": TEAM, "channel_id": CHANNEL, "quiz_day": DAY},
            values=post_queries.claim_values(
                session=session,
                team_id=TEAM,
                channel_id=CHANNEL,
                question_ids=[q.id for q in a.bank.questions],
                timezone="UTC",
            ),
            fence=fence,
            now=clock.now(),
        )
    clock.advance(seconds=20)
    assert b.scheduler.heartbeat() is not None
    outcomes = b.scheduler.run_due()
    assert outcomes == []  # the claim is fresh: its claimer may still be at it
    assert fake_slack.messages(CHANNEL) == []
    clock.advance(seconds=61)
    b.scheduler.heartbeat()
    b.scheduler.run_due()
    b.scheduler.run_due()
    assert len(fake_slack.messages(CHANNEL)) == 1
    assert [p.status for p in posts(b)] == ["open"]


def test_crash_after_slack_accepted_before_ts_stored_finds_the_message(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = replicas
    clock.set(NINE_UTC + dt.timedelta(seconds=1))
    a.scheduler.heartbeat()

    def crash(**kwargs: object) -> bool:
        raise RuntimeError("replica a died here")

    monkeypatch.setattr(post_queries, "open_post", crash)
    [outcome] = a.scheduler.run_due()  # the send stops where the process would have died
    assert outcome.status is PostStatus.FAILED
    monkeypatch.undo()
    assert len(fake_slack.messages(CHANNEL)) == 1  # Slack has it; the ts was never stored
    clock.advance(seconds=90)
    b.scheduler.heartbeat()
    b.scheduler.run_due()
    assert len(fake_slack.messages(CHANNEL)) == 1
    [post] = posts(b)
    assert post.status == "open" and post.message_ts == fake_slack.messages(CHANNEL)[0]["ts"]
    assert fake_slack.calls("conversations.history")


def test_slack_timeout_after_accepting_does_not_double_post(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    a.clients.client.timeout = 1
    clock.set(NINE_UTC + dt.timedelta(seconds=1))
    a.scheduler.heartbeat()
    fake_slack.fail_next("chat.postMessage", status=200, delay=2.0)  # stored, but answered too late
    [outcome] = a.scheduler.run_due()
    assert outcome.status is PostStatus.POSTED
    assert len(fake_slack.messages(CHANNEL)) == 1


def test_server_errors_then_success_posts_once(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    clock.set(NINE_UTC + dt.timedelta(seconds=1))
    a.scheduler.heartbeat()
    fake_slack.fail_next("chat.postMessage", status=503, times=2)
    [outcome] = a.scheduler.run_due()
    assert outcome.status is PostStatus.POSTED
    assert len(fake_slack.messages(CHANNEL)) == 1
    assert len(fake_slack.calls("chat.postMessage")) == 3


def test_rate_limited_post_waits_and_posts_once(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    clock.set(NINE_UTC + dt.timedelta(seconds=1))
    a.scheduler.heartbeat()
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    [outcome] = a.scheduler.run_due()
    assert outcome.status is PostStatus.POSTED
    assert len(fake_slack.messages(CHANNEL)) == 1
