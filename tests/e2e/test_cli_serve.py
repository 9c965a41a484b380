"""`leader-quiz serve` as a real process under gunicorn, driven with the CLI and signed
Slack requests: several `--date`d days of posts and clicks, then `stats --json` and
`leaderboard --json` show the right streaks and ranks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter, wrong_letter
from tests.support.servers import ServeProcess
from tests.support.slack_requests import SlackSender

CHANNEL = "CCLI"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def served(env: dict[str, str], tmp_log: Path) -> Iterator[ServeProcess]:
    process = ServeProcess({**env, "SCHEDULE_SYNC_SECONDS": "0.5"}, tmp_log)
    process.wait_healthy()
    yield process
    process.stop()


def test_healthz_reports_database_and_leadership(served: ServeProcess) -> None:
    health = requests.get(f"{served.base_url}/healthz", timeout=5).json()
    assert health["database"] == "ok" and health["status"] == "ok"
    assert health["mode"] == "http"
    assert isinstance(health["leader"], bool)


def test_unsigned_request_is_refused(served: ServeProcess) -> None:
    response = requests.post(f"{served.base_url}/slack/events", data={"command": "/leader-quiz"}, timeout=5)
    assert response.status_code == 401


def test_days_of_posts_and_clicks_show_in_stats_and_leaderboard(
    served: ServeProcess, env: dict[str, str], fake_slack: FakeSlack
) -> None:
    slack = SlackSender(base_url=served.base_url, response_url_for=fake_slack.response_url)
    # alice: right every day; bob: right, wrong, right; carol: misses day 2, then right.
    plan = {
        "2026-11-23": {"UALICE": True, "UBOB": True, "UCAROL": True},
        "2026-11-24": {"UALICE": True, "UBOB": False},
        "2026-11-25": {"UALICE": True, "UBOB": True, "UCAROL": True},
    }
    replies = 0
    for day, answers in plan.items():
        done = cli(env, "post", "--channel", CHANNEL, "--team", "T0001", "--date", day)
        assert done.returncode == 0, done.stderr
        assert f"for {day}" in done.stdout
        message = fake_slack.messages(CHANNEL)[-1]
        values = buttons(message)
        for user, right in answers.items():
            letter = correct_letter(message) if right else wrong_letter(message)
            assert slack.click(value=values[letter], user=user, channel=CHANNEL).status_code == 200
        replies += len(answers)
        fake_slack.wait_for_replies(replies)

    again = cli(env, "post", "--channel", CHANNEL, "--team", "T0001", "--date", "2026-11-25")
    assert again.returncode == 0 and "nothing posted" in again.stdout
    assert len(fake_slack.messages(CHANNEL)) == 3

    alice = json.loads(cli(env, "stats", "--channel", CHANNEL, "--user", "UALICE", "--json").stdout)
    assert alice["current_streak"] == 3 and alice["longest_streak"] == 3
    assert (alice["answered"], alice["correct"], alice["accuracy"]) == (3, 3, 1.0)
    assert alice["lessons"][0] == {"lesson": "Leader election basics", "completed": 3, "total": 5}
    assert set(alice) == {
        "user",
        "channel",
        "current_streak",
        "longest_streak",
        "answered",
        "correct",
        "accuracy",
        "lessons",
    }
    bob = json.loads(cli(env, "stats", "--channel", CHANNEL, "--user", "UBOB", "--json").stdout)
    assert (bob["current_streak"], bob["longest_streak"], bob["correct"]) == (1, 1, 2)
    carol = json.loads(cli(env, "stats", "--channel", CHANNEL, "--user", "UCAROL", "--json").stdout)
    assert (carol["current_streak"], carol["longest_streak"]) == (1, 1)  # day 2 closed unanswered
    nobody = json.loads(cli(env, "stats", "--channel", CHANNEL, "--user", "UNOBODY", "--json").stdout)
    assert nobody["answered"] == 0 and nobody["current_streak"] == 0

    board = json.loads(cli(env, "leaderboard", "--channel", CHANNEL, "--period", "all", "--json").stdout)
    assert board["channel"] == CHANNEL and board["period"] == "all"
    ranks = [(row["rank"], row["user"], row["correct"], row["current_streak"]) for row in board["rows"]]
    # bob and carol both have 2 correct and streak 1; bob answered 3 (67%), carol 2 (100%).
    assert ranks == [(1, "UALICE", 3, 3), (2, "UCAROL", 2, 1), (3, "UBOB", 2, 1)]
    assert set(board["rows"][0]) == {
        "rank",
        "user",
        "correct",
        "answered",
        "accuracy",
        "current_streak",
        "longest_streak",
    }
    limited = json.loads(
        cli(env, "leaderboard", "--channel", CHANNEL, "--period", "all", "--json", "--limit", "1").stdout
    )
    assert [row["user"] for row in limited["rows"]] == ["UALICE"]

    # The first two days were closed and revealed when the next was posted.
    reveals = [
        c for c in fake_slack.calls("chat.update") if "closed" in block_texts(c.params.get("blocks") or [])
    ]
    assert len({c.params["ts"] for c in reveals}) == 2


def test_serve_without_token_names_the_variable(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0] and "api.slack.com/apps" in lines[0]
