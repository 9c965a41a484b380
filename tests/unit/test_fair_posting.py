"""Posting many workspaces' questions at once: every item once, workspaces sharing the
threads (a slow one holds only its share), a workspace alone using them all, and passes that
run at once sharing one pool."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.fair_pool import FairPool, PoolStopped


def post_fairly(items, post, *, team_of, workers):  # type: ignore[no-untyped-def]
    pool = FairPool(workers)
    try:
        return pool.map(items, post, team_of=team_of)
    finally:
        pool.stop()


@settings(max_examples=60, deadline=None)
@given(teams=st.lists(st.integers(1, 6), min_size=0, max_size=8), workers=st.integers(1, 6))
def test_every_item_is_posted_exactly_once(teams: list[int], workers: int) -> None:
    items = [(f"T{t}", n) for t, count in enumerate(teams) for n in range(count)]
    seen: Counter = Counter()
    lock = threading.Lock()

    def post(item: tuple[str, int]) -> tuple[str, int]:
        with lock:
            seen[item] += 1
        return item

    results = post_fairly(items, post, team_of=lambda item: item[0], workers=workers)
    assert results == items  # in the order given
    assert all(count == 1 for count in seen.values()) and len(seen) == len(items)


def test_a_slow_workspace_holds_only_its_share_of_the_threads() -> None:
    """Workspace S is stuck (its calls wait until F is done), F is quick, two threads: F gets
    a thread the whole time, so S's calls never wait in vain, and S never has a second item
    in flight while F has items queued."""
    items = [("S", n) for n in range(5)] + [("F", n) for n in range(20)]
    fast_done = threading.Event()
    waited_in_vain = 0
    slow_while_fast_waits = 0
    in_flight: Counter = Counter()
    fast_finished = 0
    lock = threading.Lock()

    def post(item: tuple[str, int]) -> None:
        nonlocal waited_in_vain, slow_while_fast_waits, fast_finished
        team = item[0]
        with lock:
            in_flight[team] += 1
            if team == "S" and fast_finished + in_flight["F"] < 20:
                slow_while_fast_waits = max(slow_while_fast_waits, in_flight["S"])
        if team == "S" and not fast_done.wait(timeout=5):
            with lock:
                waited_in_vain += 1
        with lock:
            in_flight[team] -= 1
            if team == "F":
                fast_finished += 1
                if fast_finished == 20:
                    fast_done.set()

    post_fairly(items, post, team_of=lambda item: item[0], workers=2)
    assert waited_in_vain == 0  # an unfair pool gives S both threads and F never runs
    assert slow_while_fast_waits == 1


def test_a_workspace_alone_gets_every_thread() -> None:
    in_flight = 0
    most = 0
    lock = threading.Lock()
    barrier = threading.Barrier(4, timeout=10)

    def post(item: int) -> None:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        if item < 4:
            barrier.wait()  # the first four can only finish together, all in flight at once
        with lock:
            in_flight -= 1

    post_fairly(list(range(8)), post, team_of=lambda item: "T1", workers=4)
    assert most == 4


def test_an_error_reaches_the_caller_after_the_rest_is_posted() -> None:
    done: list[int] = []

    def post(item: int) -> None:
        if item == 2:
            raise RuntimeError("database unavailable")
        done.append(item)

    with pytest.raises(RuntimeError):
        post_fairly(list(range(6)), post, team_of=lambda item: f"T{item % 2}", workers=2)
    assert sorted(done) == [0, 1, 3, 4, 5]


def test_two_passes_at_once_share_the_pool_fairly() -> None:
    """A pass stuck on a slow workspace does not hold back a second pass's workspaces."""
    pool = FairPool(2)
    release = threading.Event()
    order: list[str] = []

    def slow(item: int) -> None:
        release.wait(10)
        order.append(f"slow{item}")

    def fast(item: int) -> None:
        order.append(f"fast{item}")

    first = threading.Thread(target=lambda: pool.map([1, 2, 3], slow, team_of=lambda item: "S"))
    first.start()
    time.sleep(0.1)  # the slow workspace now holds both threads, with one item still queued
    second = threading.Thread(target=lambda: pool.map([1, 2], fast, team_of=lambda item: f"F{item}"))
    second.start()
    time.sleep(0.1)
    release.set()
    first.join(10)
    second.join(10)
    pool.stop()
    # S's third item was queued first, but both F workspaces were served before it.
    assert order.index("fast1") < order.index("slow3") and order.index("fast2") < order.index("slow3")


def test_a_stopped_pool_refuses_work_with_its_own_error() -> None:
    """The scheduler tells a pass cut short by shutdown (a log line) from a real failure."""
    pool = FairPool(2)
    assert pool.map([1, 2], lambda n: n * 2, team_of=lambda n: "T1") == [2, 4]
    pool.stop()
    with pytest.raises(PoolStopped):
        pool.map([3], lambda n: n, team_of=lambda n: "T1")
