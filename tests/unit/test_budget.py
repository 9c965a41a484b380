"""The Slack budgets kept in the database: a sliding-window log per (workspace, method) that no
replica can overdraw, and the gate each process takes its grants through."""

from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.budget import WINDOW, BudgetExhausted, BudgetGate
from bot.slack.limits import SlackLimits
from db.engine import Database
from db.queries import budgets
from tests.unit.quiz_db import database


def take(
    db: Database, want: int, now: float, *, limit: int = 5, method: str = "chat.update"
) -> budgets.Grant:
    with db.writing() as session:
        return budgets.take(
            session=session, team_id="T1", method=method, want=want, limit=limit, window=60.0, now=now
        )


def test_a_full_window_grants_nothing_until_its_oldest_grant_leaves(database_url: str) -> None:
    with database(database_url) as db:
        assert take(db, 3, 1000.0).granted == 3
        second = take(db, 3, 1010.0)
        assert (second.granted, second.retry_at) == (2, 1060.0)  # the oldest leaves at 1000 + 60
        assert take(db, 1, 1059.9).granted == 0
        assert take(db, 4, 1060.1).granted == 3  # the three of 1000.0 have left the window
        # Another method and another workspace have budgets of their own.
        assert take(db, 5, 1060.1, method="views.publish").granted == 5


def test_a_pause_stops_every_grant_until_it_ends(database_url: str) -> None:
    with database(database_url) as db:
        with db.writing() as session:
            until = budgets.pause(session=session, team_id="T1", method="chat.update", seconds=30, now=500.0)
        assert until == 530.0
        assert take(db, 1, 529.0) == budgets.Grant(0, 529.0, 530.0)
        assert take(db, 1, 530.5).granted == 1


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(0.0, 20.0), st.integers(1, 7)), min_size=1, max_size=40),
    limit=st.integers(1, 10),
)
def test_no_window_ever_holds_more_grants_than_the_limit(
    database_factory, steps: list[tuple[float, int]], limit: int
) -> None:
    url = database_factory.new()
    try:
        with database(url) as db:
            now, granted_at = 0.0, []
            for gap, want in steps:
                now += gap
                grant = take(db, want, now, limit=limit)
                assert 0 <= grant.granted <= want
                granted_at += [now] * grant.granted
            for start in granted_at:  # every window [t, t + 60) starting at a grant
                assert sum(1 for at in granted_at if start <= at < start + 60.0) <= limit
    finally:
        database_factory.drop(url)


def gate(db: Database, **raised: int) -> BudgetGate:
    return BudgetGate(
        db=db, limits=SlackLimits({key.replace("_", "."): value for key, value in raised.items()})
    )


def test_two_replicas_draw_from_one_budget(database_url: str) -> None:
    with database(database_url) as db_a, database(database_url) as db_b:
        a, b = gate(db_a, views_publish=7), gate(db_b, views_publish=7)
        granted = [0, 0]

        def drain(index: int, replica: BudgetGate) -> None:
            for _ in range(10):  # each offered more than the whole budget
                granted[index] += replica.take("T1", "views.publish")

        threads = [threading.Thread(target=drain, args=pair) for pair in enumerate((a, b))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(granted) == 7
        assert (
            a.wait_time("T1", "views.publish") > WINDOW - 5 or b.wait_time("T1", "views.publish") > WINDOW - 5
        )


def test_a_429_pauses_the_method_for_every_replica(database_url: str) -> None:
    with database(database_url) as db_a, database(database_url) as db_b:
        a, b = gate(db_a), gate(db_b)
        a.throttled("T1", "chat.update", retry_after=30)
        assert b.take("T1", "chat.update") == 0
        assert 25 < b.wait_time("T1", "chat.update") <= 30
        assert b.take("T1", "views.publish") == 1  # only that method waits
        assert a.throttled_calls["chat.update"] == 1


def test_a_direct_call_waits_a_little_then_gives_up(database_url: str) -> None:
    with database(database_url) as db:
        slept: list[float] = []
        replica = BudgetGate(db=db, limits=SlackLimits({"views.open": 1}), sleep=slept.append)
        replica.acquire("T1", "views.open", timeout=2.0)
        try:
            replica.acquire("T1", "views.open", timeout=2.0)
        except BudgetExhausted:
            pass
        else:
            raise AssertionError("a second views.open within the minute was allowed")
        assert slept == []  # the wait (about a minute) was longer than it could wait


def test_chat_post_message_keeps_a_second_between_posts_to_one_channel(database_url: str) -> None:
    clock = [100.0]
    with database(database_url) as db:
        replica = BudgetGate(db=db, limits=SlackLimits(), monotonic=lambda: clock[0])
        assert replica.take("T1", "chat.postMessage", channel="C1") == 1
        assert replica.take("T1", "chat.postMessage", channel="C1") == 0
        assert replica.take("T1", "chat.postMessage", channel="C2") == 1
        assert 1.0 < replica.wait_time("T1", "chat.postMessage", channel="C1") <= 1.21
        clock[0] += 1.3
        assert replica.take("T1", "chat.postMessage", channel="C1") == 1


def test_without_the_database_a_replica_takes_a_quarter_of_the_budget(database_url: str) -> None:
    with database(database_url) as db:
        replica = gate(db, chat_update=20)
        replica.db = Database("sqlite:////nonexistent/dir/budget.db")  # cannot be reached
        granted = sum(replica.take("T1", "chat.update") for _ in range(30))
        assert granted == 5
