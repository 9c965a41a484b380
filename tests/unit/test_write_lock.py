"""SQLite's one writer at a time (db.engine.WriteLock): a write transaction holds an flock on
`<database>-writer.lock` that every process using the file queues on, from its outermost
`writing()` to its end, so the gunicorn workers never wait in SQLite's sleeping busy handler."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import Database


def locked_by_someone(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock this probe took
    return False


def test_a_write_transaction_holds_the_file_lock_until_its_outermost_end(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'quiz.db'}")
    lock = tmp_path / "quiz.db-writer.lock"
    try:
        with db.writing() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
            assert locked_by_someone(lock)
            with db.writing():  # re-entrant: the inner end keeps it
                pass
            assert locked_by_someone(lock)
        assert not locked_by_someone(lock)
        with db.reading() as session:  # readers never take it
            assert not locked_by_someone(lock)
            session.execute(text("SELECT COUNT(*) FROM t"))
    finally:
        db.dispose()


def test_a_failed_transaction_lets_the_lock_go(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'quiz.db'}")
    try:
        with pytest.raises(RuntimeError), db.writing():
            raise RuntimeError("boom")
        assert not locked_by_someone(tmp_path / "quiz.db-writer.lock")
    finally:
        db.dispose()


def test_a_forked_process_waits_for_the_parents_transaction(tmp_path: Path) -> None:
    """After a fork the child opens the lock file afresh (a shared descriptor would share the
    lock): it cannot write while the parent's transaction is open."""
    db = Database(f"sqlite:///{tmp_path / 'quiz.db'}")
    try:
        with db.writing() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
        read, write = os.pipe()
        with db.writing():
            pid = os.fork()
            if pid == 0:  # the child: try to write without waiting
                os.close(read)
                lock = db._write_lock
                assert lock is not None
                fd = lock._file()
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    os.write(write, b"got it")
                except BlockingIOError:
                    os.write(write, b"waited")
                os._exit(0)
            os.close(write)
            answer = os.read(read, 16)
            os.waitpid(pid, 0)
        assert answer == b"waited"
    finally:
        db.dispose()


def test_a_library_write_waits_its_turn_instead_of_failing_on_a_stale_read(tmp_path: Path) -> None:
    """slack_sdk's OAuth state store reads, then deletes, in one transaction. Begun deferred,
    that transaction fails with "database is locked" when another process writes in between
    (two workers finishing installs did); inside `library_writing()` it waits for its turn."""
    import threading
    import time

    from db.installations import OAuthStates
    from db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'quiz.db'}"
    upgrade(url)
    ours, other_process = Database(url), Database(url)
    states = OAuthStates(engine=ours.library_engine, writes=ours.library_writing)
    try:
        state = states.issue()
        holding = threading.Event()

        def write_for_a_while() -> None:
            with other_process.writing() as session:
                session.execute(
                    text("INSERT INTO slack_oauth_states (state, expire_at) VALUES ('x', '2100-01-01')")
                )
                holding.set()
                time.sleep(0.3)

        writer = threading.Thread(target=write_for_a_while)
        writer.start()
        holding.wait(5)
        assert states.consume(state)  # the state was issued, so it must be consumed once
        writer.join()
        assert not states.consume(state)
    finally:
        ours.dispose()
        other_process.dispose()
