"""Group commit: every graded daily click of this process is stored by one writer thread, up
to BATCH at once in one transaction, and each click is acknowledged only after its batch
committed (acknowledged = stored, as before). One transaction for many clicks is where the
click path's database time goes down: a commit (an fsync on SQLite, a round trip and a WAL
flush on PostgreSQL) is paid once per batch, not once per click.

The batch waits at most LINGER for company once its first click arrives, and never more than
BATCH clicks ride together, so a lone click is stored at once and a burst is stored in a few
commits. The same transaction reads the people's streaks as they now stand (db.derived: the
cache with their unfolded answers, this batch's included), for the verdicts.

The caches themselves are folded later, off the acknowledgement path (`Folder`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from db import derived
from db.engine import Database
from db.queries.answers import NewAnswer, Recorded, record_answers

logger = logging.getLogger(__name__)

BATCH = 64
LINGER_S = 0.002
FOLD_EVERY_S = 0.25
MAX_FOLD_BACKOFF_S = 5.0  # while folding fails (the database is down), try at most this rarely


@dataclass(frozen=True)
class Stored:
    """What became of one click: stored (with the person's streak now), already answered, or
    too late (the question closed)."""

    recorded: Recorded
    current_streak: int = 0
    longest_streak: int = 0


class AnswerWriter:
    def __init__(
        self,
        *,
        db: Database,
        batch: int = BATCH,
        linger_s: float = LINGER_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.batch = batch
        self.linger_s = linger_s
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._queue: list[tuple[NewAnswer, Future]] = []
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="answer-writer", daemon=True)
        self._thread.start()

    def store(self, answer: NewAnswer) -> Stored:
        """Store one graded answer with the next batch; returns once that batch committed (or
        raises what the database raised, e.g. unavailable)."""
        future: Future = Future()
        with self._cond:
            if self._stopped:
                raise RuntimeError("the answer writer has stopped")
            self._queue.append((answer, future))
            self._cond.notify_all()
        return future.result()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopped:
                    self._cond.wait()
                if not self._queue and self._stopped:
                    return
                first_at = self._monotonic()
                while len(self._queue) < self.batch and not self._stopped:
                    left = self.linger_s - (self._monotonic() - first_at)
                    if left <= 0:
                        break
                    self._cond.wait(timeout=left)
                batch, self._queue = self._queue[: self.batch], self._queue[self.batch :]
            self._write(batch)

    def _write(self, batch: list[tuple[NewAnswer, Future]]) -> None:
        answers = [answer for answer, _ in batch]
        try:
            with self.db.writing() as session:
                outcomes = record_answers(session=session, answers=answers)
                stored = [
                    a for a, outcome in zip(answers, outcomes, strict=True) if outcome is Recorded.STORED
                ]
                streaks = derived.people_stats(
                    session=session, keys=[(a.team_id, a.channel_id, a.user_id) for a in stored]
                )
        except Exception as error:  # every click of the batch hears it (unavailable: a polite reply)
            for _, future in batch:
                future.set_exception(error)
            return
        for (answer, future), outcome in zip(batch, outcomes, strict=True):
            if outcome is Recorded.STORED:
                state = streaks[(answer.team_id, answer.channel_id, answer.user_id)].state
                future.set_result(Stored(outcome, state.current, state.longest))
            else:
                future.set_result(Stored(outcome))

    def stop(self) -> None:
        """Store what is queued, then stop."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=10)


class Folder:
    """Folds the answers and reviews every replica stored into the caches, a batch at a time,
    off the acknowledgement path (db.derived; one folder at a time across replicas)."""

    def __init__(self, *, db: Database, every_s: float = FOLD_EVERY_S) -> None:
        self.db = db
        self.every_s = every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="folder", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        failing_since: float | None = None
        wait = self.every_s
        while not self._stopped.wait(wait):
            try:
                derived.settled(self.db)
            except Exception as error:  # the next round tries again; reads stay exact meanwhile
                if failing_since is None:  # once per outage, not four times a second
                    failing_since = time.monotonic()
                    logger.warning("could not fold the latest answers into the caches", exc_info=True)
                else:
                    logger.debug("folding still fails: %s", type(error).__name__)
                wait = min(wait * 2, MAX_FOLD_BACKOFF_S)
                continue
            if failing_since is not None:
                logger.info("folding again after %.0f s", time.monotonic() - failing_since)
                failing_since, wait = None, self.every_s

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
