"""`leader-quiz export` as a real process: days of posts (`leader-quiz post --date`) and
signed clicks to the running app, then the CSV on stdout, per answer and per person."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys

from content import load_bank
from tests.support.fake_slack import FakeSlack
from tests.support.messages import (
    buttons,
    correct_letter,
    question_for,
    shown_options,
    unescape,
    wrong_letter,
)
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CEXPORT"
BANK = load_bank()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def export(env: dict[str, str], *args: str) -> list[list[str]]:
    done = cli(env, "export", "--channel", CHANNEL, *args)
    assert done.returncode == 0, done.stderr
    return list(csv.reader(io.StringIO(done.stdout, newline="")))


def option_index(message: dict, letter: str) -> int:
    """The index in the bank file of the option shown under `letter`."""
    question = question_for(message)
    text = unescape(shown_options(message)[letter])
    return next(i for i, option in enumerate(question.options) if option.text == text)


def test_export_answers_and_summary(
    app: InProcessApp, slack: SlackSender, fake_slack: FakeSlack, env: dict[str, str]
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    old = today - dt.timedelta(days=40)  # another month and week: only in `--period all`
    plan = {
        old: {"UANN": True, "UBEN": False, "UCAT": True},
        today: {"UANN": True, "UBEN": True},
    }
    expected: list[dict[str, str]] = []
    replies = 0
    for day, answers in plan.items():
        done = cli(env, "post", "--channel", CHANNEL, "--team", "T0001", "--date", day.isoformat())
        assert done.returncode == 0, done.stderr
        message = fake_slack.messages(CHANNEL)[-1]
        question = question_for(message)
        for user, right in answers.items():
            letter = correct_letter(message) if right else wrong_letter(message)
            assert slack.click(value=buttons(message)[letter], user=user, channel=CHANNEL).status_code == 200
            replies += 1
            fake_slack.wait_for_replies(replies)  # keeps the answer order known
            expected.append(
                {
                    "quiz_day": day.isoformat(),
                    "user": user,
                    "question_id": question.id,
                    "lesson": question.lesson_id,
                    "option_index": str(option_index(message, letter)),
                    "correct": "true" if right else "false",
                }
            )

    rows = export(env, "--period", "all")
    assert rows[0] == ["quiz_day", "user", "question_id", "lesson", "option_index", "correct", "answered_at"]
    got = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [{k: v for k, v in row.items() if k != "answered_at"} for row in got] == expected
    stamps = [dt.datetime.fromisoformat(row["answered_at"]) for row in got]
    assert all(stamp.tzinfo is not None for stamp in stamps) and stamps == sorted(stamps)
    assert BANK.question(got[0]["question_id"]) is not None

    # The month and the week hold only today's answers; --team names the workspace.
    for period in ("month", "week"):
        rows = export(env, "--period", period, "--team", "T0001")
        assert [(row[0], row[1]) for row in rows[1:]] == [
            (today.isoformat(), "UANN"),
            (today.isoformat(), "UBEN"),
        ]
    assert export(env) == export(env, "--period", "month")  # month is the default

    # Per person, in leaderboard order. Cat's one answer was right and today's question is
    # still open (not a miss), so her streak stands at 1; Ben's wrong first day ended his.
    summary = export(env, "--period", "all", "--summary")
    assert summary == [
        ["user", "answered", "correct", "accuracy", "current_streak", "longest_streak"],
        ["UANN", "2", "2", "1.0000", "2", "2"],
        ["UCAT", "1", "1", "1.0000", "1", "1"],
        ["UBEN", "2", "1", "0.5000", "1", "1"],
    ]
    assert export(env, "--summary") == [
        ["user", "answered", "correct", "accuracy", "current_streak", "longest_streak"],
        ["UANN", "1", "1", "1.0000", "2", "2"],
        ["UBEN", "1", "1", "1.0000", "1", "1"],
    ]

    # Another channel (or workspace) has no answers: the header alone.
    done = cli(env, "export", "--channel", "CNOTHING", "--period", "all")
    assert done.returncode == 0 and done.stdout.splitlines() == [",".join(rows[0])]
    done = cli(env, "export", "--channel", CHANNEL, "--period", "all", "--team", "T9999")
    assert done.stdout.splitlines() == [",".join(rows[0])]


def test_export_needs_a_channel_and_a_known_period(env: dict[str, str]) -> None:
    done = cli(env, "export", "--period", "all")
    assert done.returncode == 2 and "--channel" in done.stderr
    done = cli(env, "export", "--channel", CHANNEL, "--period", "year")
    assert done.returncode == 2 and "invalid choice: 'year'" in done.stderr
