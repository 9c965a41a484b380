"""Stopping `leader-quiz serve` in the middle of a burst of clicks, gracefully (SIGTERM) and
not at all gracefully (SIGKILL right after acknowledgements): every acknowledged click is a
stored answer, and every one gets its private reply — from the stopping process if it can,
else from the next one that leads — and the count on the message ends at the stored total."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text

from bot.services.answer_counts import SEND_HOLD
from db.engine import Database
from db.models import Answer
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter
from tests.support.servers import ServeProcess
from tests.support.slack_requests import SlackSender

CHANNEL = "CSTOP"
CLICKERS = 240
THREADS = 12


def burst(
    base_url: str, fake: FakeSlack, value: str, acked: list[str], stop: threading.Event
) -> list[threading.Thread]:
    """THREADS senders working through CLICKERS distinct users until `stop`; acked users in `acked`."""
    users = iter(f"UCLICK{n:04d}" for n in range(CLICKERS))
    lock = threading.Lock()

    def send() -> None:
        sender = SlackSender(base_url=base_url, response_url_for=fake.response_url)
        while not stop.is_set():
            with lock:
                user = next(users, None)
            if user is None:
                return
            try:
                response = sender.click(value=value, user=user, channel=CHANNEL)
            except requests.RequestException:
                continue  # the server is gone: this click was never acknowledged
            if response.status_code == 200:
                with lock:
                    acked.append(user)

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    return threads


def replied(fake: FakeSlack) -> set[str]:
    """Who got their verdict: through their click's response_url, or chat.postEphemeral."""
    return {user for user in fake.replied_users() if user and user.startswith("UCLICK")}


def stored(db: Database) -> dict[str, int]:
    with db.reading() as session:
        rows = session.execute(select(Answer.user_id, func.count()).group_by(Answer.user_id)).all()
    return {user: count for user, count in rows}


@contextlib.contextmanager
def writes_wait(db: Database) -> Iterator[None]:
    """Hold a lock that makes every answer insert wait (SQLite: the write lock; PostgreSQL: a
    table lock), so clicks arrive while nothing can be stored."""
    with db.writing() as session:
        if db.dialect == "postgresql":
            session.execute(text("LOCK TABLE answers IN EXCLUSIVE MODE"))
        else:
            session.execute(text("UPDATE answers SET replied_at = replied_at WHERE 0 = 1"))
        yield


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL", "SIGKILL while writes wait"])
def test_stopping_mid_burst_loses_no_acknowledged_click(
    how: str, env: dict[str, str], database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    serve_env = {**env, "REPLY_RESEND_SECONDS": "2", "SCHEDULE_SYNC_SECONDS": "0.5", "LEASE_SECONDS": "3"}
    posted = subprocess.run(
        [sys.executable, "-m", "bot", "post", "--channel", CHANNEL, "--team", "T0001"],
        env={**os.environ, **serve_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert posted.returncode == 0, posted.stderr
    message = fake_slack.messages(CHANNEL)[-1]
    value = buttons(message)[correct_letter(message)]
    # Slack answers private replies slowly, so replies queue up behind the acknowledgements.
    fake_slack.fail_next("response_url", status=200, delay=0.5, times=100_000)

    first = ServeProcess(serve_env, tmp_path / "first.log")
    first.wait_healthy()
    acked: list[str] = []
    stop = threading.Event()
    threads = burst(first.base_url, fake_slack, value, acked, stop)
    deadline = time.monotonic() + 30
    while len(acked) < CLICKERS // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    db = Database(database_url)
    if how == "SIGKILL while writes wait":
        # Clicks keep coming for a second while no answer can be stored; then the process
        # dies. A click acknowledged before its answer was stored would be lost here.
        before_lock = len(acked)
        with writes_wait(db):
            time.sleep(1.0)
            first.kill(signal.SIGKILL)
            first.process.wait(timeout=30)
        print(f"\nclicks acknowledged while writes waited: {len(acked) - before_lock}")
    else:
        first.kill(getattr(signal, how))
        first.process.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    acked_set = set(acked)
    assert len(acked) == len(acked_set) >= CLICKERS // 3

    try:
        answers = stored(db)
        assert acked_set <= answers.keys(), (
            f"acknowledged but not stored: {sorted(acked_set - answers.keys())}"
        )
        assert set(answers.values()) == {1}  # each exactly once
        owed = acked_set - replied(fake_slack)
        print(f"\n{how}: {len(acked)} acknowledged, {len(answers)} stored, {len(owed)} replies owed at exit")
        if how != "SIGTERM":
            assert owed, "the kill came after every reply was sent: the test proved nothing"

        fake_slack.clear_faults("response_url")  # Slack is fast again
        second = ServeProcess(serve_env, tmp_path / "second.log")
        try:
            second.wait_healthy()
            # Owed verdicts go out through chat.postEphemeral, 100 a minute per workspace (Tier
            # 4, which the fake enforces): past 100 owed, the rest wait for the next minute.
            deadline = time.monotonic() + 60 + 65 * (len(answers) // 100)
            while not answers.keys() <= replied(fake_slack) and time.monotonic() < deadline:
                time.sleep(0.2)
            missing = answers.keys() - replied(fake_slack)
            assert not missing, f"stored answers never replied to: {sorted(missing)[:5]}…"
            if how == "SIGTERM":  # a clean stop marked what it sent: nothing is sent twice
                replies = [user for user in fake_slack.replied_users() if user and user.startswith("UCLICK")]
                assert len(replies) == len(set(replies)), "a reply was sent twice"
            total = len(answers)
            # A count send cut off by the kill holds its slot for SEND_HOLD; the leader's
            # catch-up sends the right count once that lapses.
            fake_slack.wait_for(
                "chat.update",
                where=lambda c: f"{total} people answered" in block_texts(c.params.get("blocks") or []),
                timeout=SEND_HOLD.total_seconds() + 30,
            )
        finally:
            second.stop()
        for process in (first, second):
            log = process.log_path.read_text(errors="replace")
            assert "Traceback" not in log, log[-3000:]
    finally:
        db.dispose()
