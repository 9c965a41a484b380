"""`leader-quiz status` and `/healthz` show schedules, next post times and the leader."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import requests

from bot.clock import SystemClock
from bot.config import load_settings
from bot.runtime import build_runtime
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
