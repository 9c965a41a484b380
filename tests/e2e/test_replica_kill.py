"""Three real `leader-quiz serve` replicas on one PostgreSQL database; the leader is killed
with SIGKILL while posting. Exactly one post per channel and quiz day, and a survivor
takes over within the lease time."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import requests

from db.engine import Database
from db.queries.schedules import set_schedule
from tests.support.databases import backend
from tests.support.fake_slack import FakeSlack
from tests.support.posts import channel_posts
from tests.support.servers import ServeProcess

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="replicas share a PostgreSQL database")

CHANNELS = [f"CKILL{n:02d}" for n in range(20)]
LEASE_SECONDS = 3.0
RENEW_SECONDS = 1.0


def health(replica: ServeProcess) -> dict | None:
    try:
        return requests.get(f"{replica.base_url}/healthz", timeout=1).json()
    except requests.RequestException:
        return None


def wait_for_leader(replicas: list[ServeProcess], timeout: float) -> tuple[ServeProcess, dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for replica in replicas:
            state = health(replica)
            if state and state["leader"]:
                return replica, state
        time.sleep(0.05)
    raise AssertionError("no replica took the lease")


def test_leader_killed_mid_run_posts_each_channel_exactly_once(
    env: dict[str, str], database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    replica_env = {
        **env,
        "LEASE_SECONDS": str(LEASE_SECONDS),
        "LEASE_RENEW_SECONDS": str(RENEW_SECONDS),
        "SCHEDULE_SYNC_SECONDS": "0.5",
        "CLAIM_STALE_SECONDS": "4",
    }
    replicas = [ServeProcess(replica_env, tmp_path / f"replica-{n}.log") for n in range(3)]
    try:
        for replica in replicas:
            replica.wait_healthy()
        leader, state = wait_for_leader(replicas, timeout=10)
        first_token = state["token"]

        # Each post takes Slack 0.3 s, so the leader is mid-run when it dies.
        fake_slack.fail_next("chat.postMessage", status=200, delay=0.3, times=10_000)
        db = Database(database_url)
        yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        with db.writing() as session:
            for channel in CHANNELS:
                set_schedule(
                    session=session,
                    team_id="T0001",
                    channel_id=channel,
                    hour=0,
                    minute=0,
                    timezone="UTC",
                    days="daily",
                    now=yesterday,
                )
        fake_slack.wait_for("chat.postMessage", count=4, timeout=20)
        leader.kill()
        killed_at = time.monotonic()
        survivors = [r for r in replicas if r is not leader]
        _, new_state = wait_for_leader(survivors, timeout=LEASE_SECONDS + 10)
        takeover = time.monotonic() - killed_at
        assert new_state["token"] > first_token
        assert takeover <= LEASE_SECONDS + RENEW_SECONDS + 1.0, f"takeover took {takeover:.1f}s"

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(fake_slack.messages(channel) for channel in CHANNELS):
                with db.reading() as session:
                    statuses = [
                        [
                            p.status
                            for p in channel_posts(session=session, team_id="T0001", channel_id=channel)
                        ]
                        for channel in CHANNELS
                    ]
                if all(s == ["open"] for s in statuses):
                    break
            time.sleep(0.2)
        per_channel = {channel: len(fake_slack.messages(channel)) for channel in CHANNELS}
        assert per_channel == dict.fromkeys(CHANNELS, 1), per_channel
        assert statuses == [["open"]] * len(CHANNELS)
        posted = len(fake_slack.calls("chat.postMessage"))
        print(
            f"\ntakeover after SIGKILL: {takeover:.2f}s; chat.postMessage calls: {posted}; messages: {len(CHANNELS)}"
        )
        db.dispose()
    finally:
        for replica in replicas:
            replica.stop()
