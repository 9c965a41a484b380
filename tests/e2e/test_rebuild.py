"""`leader-quiz db rebuild` as a real process: after days of signed clicks to the running app,
the caches (streaks, totals, review cards) are damaged by hand; the rebuild recomputes them
from the answers and the review log, and stats and boards read as before."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

from sqlalchemy import text

from db import derived
from tests.support.fake_slack import FakeSlack
from tests.support.messages import buttons, correct_letter, wrong_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CREBUILD"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


def readings(env: dict[str, str]) -> list[object]:
    return [
        *(
            json.loads(cli(env, "stats", "--channel", CHANNEL, "--user", user, "--json").stdout)
            for user in ("UANN", "UBEN")
        ),
        *(
            json.loads(cli(env, "leaderboard", "--channel", CHANNEL, "--period", period, "--json").stdout)
            for period in ("week", "all")
        ),
    ]


def test_rebuild_recomputes_damaged_caches_from_the_answers(
    app: InProcessApp, slack: SlackSender, fake_slack: FakeSlack, env: dict[str, str]
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    plan = [
        (today - dt.timedelta(days=3), {"UANN": True, "UBEN": False}),
        (today - dt.timedelta(days=2), {"UANN": True}),  # Ben misses a day
        (today, {"UANN": False, "UBEN": True}),
    ]
    replies = 0
    for day, answers in plan:
        cli(env, "post", "--channel", CHANNEL, "--team", "T0001", "--date", day.isoformat())
        message = fake_slack.messages(CHANNEL)[-1]
        for user, right in answers.items():
            letter = correct_letter(message) if right else wrong_letter(message)
            assert slack.click(value=buttons(message)[letter], user=user, channel=CHANNEL).status_code == 200
            replies += 1
            fake_slack.wait_for_replies(replies)
    derived.settled(app.runtime.db)
    before = readings(env)
    assert before[0]["answered"] == 3 and before[1]["current_streak"] == 1  # type: ignore[index]
    with app.runtime.db.writing() as session:
        cards = derived.cache_sizes(session=session)["review_cards"]
        session.execute(text("DELETE FROM user_stats WHERE user_id = 'UANN'"))
        session.execute(text("UPDATE period_totals SET correct = 0"))
        session.execute(text("DELETE FROM review_cards"))
    assert readings(env) != before

    done = cli(env, "db", "rebuild")
    assert "from 10 answers and review-log rows" in done.stdout  # 5 answers, each with its log row
    assert f"review_cards {cards} rows" in done.stdout
    assert readings(env) == before
