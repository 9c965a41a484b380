"""The outbox: one queue, one retry policy, one set of budgets for everything sent to Slack."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.budget import BudgetGate
from bot.slack.limits import SlackLimits
from bot.slack.outbox import COUNT, HOME, POST, REMINDER, REPLY, Call, Dropped, Outbox, Retry
from tests.unit.quiz_db import database


@pytest.fixture
def gate(database_url: str) -> Iterator[BudgetGate]:
    with database(database_url) as db:
        yield BudgetGate(db=db, limits=SlackLimits({"chat.update": 3}))


def make(gate: BudgetGate, workers: int = 1) -> Outbox:
    return Outbox(gate=gate, workers=workers)


def blocker(outbox: Outbox) -> threading.Event:
    """Keep the outbox's only worker busy until the returned event is set."""
    release, started = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(10)

    outbox.submit(Call(kind=POST, team_id="T0", what="blocker", call=hold))
    assert started.wait(5)
    return release


def test_sends_go_by_priority_when_workers_are_short(gate: BudgetGate) -> None:
    outbox = make(gate)
    ran: list[str] = []
    release = blocker(outbox)
    for kind in (REMINDER, HOME, COUNT, REPLY):
        outbox.submit(Call(kind=kind, team_id="T1", what=kind.name, call=lambda k=kind: ran.append(k.name)))
    release.set()
    assert outbox.drain(5)
    outbox.close()
    assert ran == ["reply", "count", "home", "reminder"]


def test_within_a_priority_workspaces_take_turns(gate: BudgetGate) -> None:
    outbox = make(gate)
    ran: list[str] = []
    release = blocker(outbox)
    for team in ["TBIG"] * 4 + ["TSMALL"]:
        outbox.submit(Call(kind=REMINDER, team_id=team, what=team, call=lambda t=team: ran.append(t)))
    release.set()
    assert outbox.drain(5)
    outbox.close()
    assert ran.index("TSMALL") <= 1  # not behind the whole of TBIG's queue


def test_the_newest_send_under_a_key_replaces_the_queued_one(gate: BudgetGate) -> None:
    outbox = make(gate)
    ran: list[int] = []
    release = blocker(outbox)
    first = outbox.submit(
        Call(kind=HOME, team_id="T1", what="home 1", key="home", call=lambda: ran.append(1))
    )
    second = outbox.submit(
        Call(kind=HOME, team_id="T1", what="home 2", key="home", call=lambda: ran.append(2))
    )
    kept = outbox.submit(
        Call(kind=POST, team_id="T1", what="post", key="post", newest_wins=False, call=lambda: ran.append(3))
    )
    assert (
        outbox.submit(
            Call(
                kind=POST,
                team_id="T1",
                what="post again",
                key="post",
                newest_wins=False,
                call=lambda: ran.append(4),
            )
        )
        is kept
    )
    release.set()
    assert outbox.drain(5)
    outbox.close()
    assert sorted(ran) == [2, 3]
    with pytest.raises(Dropped, match="superseded"):
        first.result()
    assert second.result() is None
    assert outbox.dropped[("home", "superseded")] == 1


def test_a_send_past_its_deadline_is_dropped_never_sent_late(gate: BudgetGate) -> None:
    outbox = make(gate)
    ran: list[str] = []
    release = blocker(outbox)
    late = outbox.submit(
        Call(
            kind=HOME, team_id="T1", what="home", deadline=outbox.now() + 0.2, call=lambda: ran.append("home")
        )
    )
    time.sleep(0.4)
    release.set()
    with pytest.raises(Dropped, match="expired"):
        late.result(timeout=5)
    outbox.close()
    assert ran == []


def slack_error(status: int, headers: dict | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="x",
        req_args={},
        data={"ok": False, "error": "e"},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


def test_one_retry_policy_429_waits_5xx_backs_off_4xx_is_final(gate: BudgetGate) -> None:
    outbox = make(gate, workers=2)
    tries: dict[str, list[float]] = {"429": [], "503": [], "400": [], "retry": []}

    def failing(name: str, error: Exception, times: int):  # type: ignore[no-untyped-def]
        def call() -> str:
            tries[name].append(time.monotonic())
            if len(tries[name]) <= times:
                raise error
            return name

        return call

    futures: dict[str, Future] = {
        "429": outbox.submit(
            Call(
                kind=REPLY,
                team_id="T1",
                what="429",
                call=failing("429", slack_error(429, {"Retry-After": "1"}), 1),
            )
        ),
        "503": outbox.submit(
            Call(kind=REPLY, team_id="T1", what="503", call=failing("503", slack_error(503), 2))
        ),
        "400": outbox.submit(
            Call(kind=REPLY, team_id="T1", what="400", call=failing("400", slack_error(400), 5))
        ),
        "retry": outbox.submit(
            Call(kind=REPLY, team_id="T1", what="retry", call=failing("retry", Retry("later", after=0.2), 1))
        ),
    }
    assert futures["429"].result(timeout=10) == "429"
    assert futures["503"].result(timeout=10) == "503"
    assert futures["retry"].result(timeout=10) == "retry"
    with pytest.raises(Dropped, match="slack_error"):
        futures["400"].result(timeout=10)
    outbox.close()
    assert tries["429"][1] - tries["429"][0] >= 0.95  # waited out Retry-After
    first, second, third = tries["503"]
    assert second - first >= 0.7 and third - second >= 1.5  # 1 s, then 2 s (±20%)
    assert len(tries["400"]) == 1  # a refusal is final
    assert 0.15 <= tries["retry"][1] - tries["retry"][0] < 1.0


def test_budgeted_sends_wait_for_their_budget_instead_of_going_out(gate: BudgetGate) -> None:
    outbox = make(gate, workers=4)
    sent: list[float] = []
    futures = [
        outbox.submit(
            Call(
                kind=COUNT,
                team_id="T1",
                what=f"count {n}",
                method="chat.update",
                call=lambda: sent.append(time.monotonic()),
            )
        )
        for n in range(5)
    ]
    time.sleep(1.0)
    assert len(sent) == 3  # chat.update's budget here is 3 a minute
    assert all(not future.done() for future in futures[3:])
    assert [kind for kind, entry in outbox.backlog().items() if entry["queued"]] == ["count"]
    outbox.close(timeout=0)


def test_a_stream_of_verdicts_does_not_starve_the_counts_behind_it(gate: BudgetGate) -> None:
    """Verdicts (no budget, top priority) arriving faster than the workers clear them still
    leave a worker for the count queued behind them."""
    outbox = make(gate, workers=2)
    stop = threading.Event()
    counted = threading.Event()

    def verdicts() -> None:
        while not stop.is_set():
            outbox.submit(Call(kind=REPLY, team_id="T1", what="verdict", call=lambda: time.sleep(0.01)))
            time.sleep(0.002)

    feeder = threading.Thread(target=verdicts)
    feeder.start()
    try:
        time.sleep(0.2)
        outbox.submit(Call(kind=COUNT, team_id="T1", what="count", key="count", call=counted.set))
        assert counted.wait(3), "the count waited for the verdicts to stop"
    finally:
        stop.set()
        feeder.join()
        outbox.close(timeout=0)


class SupersedingGate:
    """A gate that, while it grants, sees a newer send arrive under the same key (a click
    during the database round trip)."""

    def __init__(self, gate: BudgetGate) -> None:
        self.gate = gate
        self.outbox: Outbox | None = None
        self.ran: list[str] = []

    def take(self, team_id: str, method: str, want: int = 1, *, channel: str | None = None) -> int:
        if self.outbox is not None and not self.ran:
            self.outbox.submit(
                Call(
                    kind=COUNT,
                    team_id=team_id,
                    what="newer",
                    method=method,
                    key="k",
                    call=lambda: self.ran.append("newer"),
                )
            )
        return self.gate.take(team_id, method, want, channel=channel)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.gate, name)


def test_a_send_being_granted_is_not_superseded_so_its_grant_is_not_wasted(gate: BudgetGate) -> None:
    superseding = SupersedingGate(gate)
    outbox = Outbox(gate=superseding, workers=2)  # type: ignore[arg-type]
    superseding.outbox = outbox
    first = outbox.submit(
        Call(
            kind=COUNT,
            team_id="T1",
            what="first",
            method="chat.update",
            key="k",
            call=lambda: superseding.ran.append("first"),
        )
    )
    first.result(timeout=5)  # it ran with the grant it got, not dropped as superseded
    assert outbox.drain(5)
    outbox.close()
    assert superseding.ran == ["first", "newer"]


class RacingGate:
    """A gate that refuses the first grant while saying there is budget: the race at the edge
    of a budget's window (or a channel's spacing) that sends a post back to wait."""

    def __init__(self, gate: BudgetGate) -> None:
        self.gate = gate
        self.refused = 0

    def take(self, team_id: str, method: str, want: int = 1, *, channel: str | None = None) -> int:
        if not self.refused:
            self.refused += 1
            return 0
        return self.gate.take(team_id, method, want, channel=channel)

    def wait_time(self, team_id: str, method: str, *, channel: str | None = None) -> float:
        return 0.0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.gate, name)


def test_a_send_sent_back_to_wait_keeps_its_place_in_line(gate: BudgetGate) -> None:
    """Reminder DMs go out in order of each person's chosen time: a DM that lost its grant to
    a race goes back before everyone submitted after it, not behind the whole line."""
    outbox = Outbox(gate=RacingGate(gate), workers=1)  # type: ignore[arg-type]
    ran: list[str] = []

    def dm(name: str) -> Call:
        def send() -> None:
            ran.append(name)
            time.sleep(0.1)  # long enough for the refused one to come back from its wait

        return Call(
            kind=REMINDER, team_id="T1", what=name, method="chat.postMessage", channel=f"U{name}", call=send
        )

    for name in "ABCDE":
        outbox.submit(dm(name))
    assert outbox.drain(10)
    outbox.close()
    assert ran == ["B", "A", "C", "D", "E"]
