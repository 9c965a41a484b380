"""`leader-quiz status` and `/healthz` show schedules, next post times, the leader, and how far
behind the replicas' outboxes are."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import requests

from bot.clock import SystemClock
from bot.config import load_settings
from bot.runtime import SNAPSHOT_SECONDS, build_runtime
from tests.support.fake_slack import FakeSlack
from tests.support.servers import InProcessApp


def test_status_json_lists_schedule_next_post_and_leader(env: dict[str, str]) -> None:
    runtime = build_runtime(
        dataclasses.replace(load_settings(env), replica_id="replica-x"), clock=SystemClock()
    )
    try:
        fence = runtime.scheduler.heartbeat()
        cli_env = {**os.environ, **env}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "schedule",
                "set",
                "--channel",
                "CSTAT",
                "--time",
                "07:30",
                "--tz",
                "Europe/Berlin",
                "--days",
                "mon,wed,fri",
                "--team",
                "T0001",
            ],
            env=cli_env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "07:30 Europe/Berlin mon,wed,fri" in done.stdout
        status = json.loads(
            subprocess.run(
                [sys.executable, "-m", "bot", "status", "--json"],
                env=cli_env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        assert status["leader"] == "replica-x" and status["token"] == fence.token
        assert status["leader_alive"] is True
        [channel] = status["channels"]
        assert channel["channel"] == "CSTAT" and channel["schedule"] == "07:30 Europe/Berlin mon,wed,fri"
        next_post = dt.datetime.fromisoformat(channel["next_post_at"])
        assert next_post > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        # Set just now, so today's 07:30 (if any) is past or still ahead, never "due now".
        local = next_post.astimezone(ZoneInfo("Europe/Berlin"))
        assert local.weekday() in (0, 2, 4) and (local.hour, local.minute) == (7, 30)
        assert next_post - dt.datetime.now(dt.UTC) < dt.timedelta(days=3)
        listed = subprocess.run(
            [sys.executable, "-m", "bot", "schedule", "list"],
            env=cli_env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "CSTAT 07:30 Europe/Berlin mon,wed,fri" in listed
    finally:
        runtime.close()


def test_healthz_says_whether_this_replica_leads(app: InProcessApp) -> None:
    assert requests.get(f"{app.base_url}/healthz", timeout=5).json()["leader"] is False
    app.runtime.scheduler.heartbeat()
    body = requests.get(f"{app.base_url}/healthz", timeout=5).json()
    assert body["leader"] is True and body["token"] >= 1 and body["database"] == "ok"


def test_status_shows_every_live_replica_s_outbox_backlog(env: dict[str, str], fake_slack: FakeSlack) -> None:
    """Two replicas, one holding App Home views that wait for their budget: `status` (another
    process) sums what both outboxes hold, says how late the oldest is, and counts 429s."""
    fake_slack.set_limit("views.publish", 2)
    tight = {**env, "SLACK_RATE_LIMITS": "views.publish=2"}
    a, b = InProcessApp.from_env(tight), InProcessApp.from_env(tight)
    try:
        for n in range(5):
            a.runtime.home.publish(team_id="T0001", user_id=f"UWAIT{n}")
        deadline = time.monotonic() + 10
        while len(fake_slack.calls("views.publish")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(SNAPSHOT_SECONDS + 1.5)  # both replicas have written a snapshot since
        done = subprocess.run(
            [sys.executable, "-m", "bot", "status", "--json"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        outbox = json.loads(done.stdout)["outbox"]
        assert outbox["replicas"] == 2
        assert outbox["kinds"]["home"]["queued"] == 3  # five views, a budget of two
        assert outbox["kinds"]["home"]["late_seconds"] >= 1.0
        assert outbox["throttled"] == {}
        text_status = subprocess.run(
            [sys.executable, "-m", "bot", "status"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "outbox (2 replicas): home 3 (oldest" in text_status
    finally:
        a.stop()
        b.stop()
