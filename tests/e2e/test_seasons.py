"""Season recaps: at the start of a month the channel gets last month's top people and
teams, exactly once, whatever happens: two replicas firing together, a crash after Slack
accepted the message, a crash before Slack was called. Real database, fake Slack, an
injected clock, two runtimes sharing the database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from bot.services.daily_posts import PostStatus
from bot.services.delivery import ClaimedDelivery, Status
from bot.services.recaps import METADATA_EVENT
from content import load_bank
from db.models import SeasonPost
from db.queries import claims
from db.queries import quiz_teams as team_queries
from db.queries.posts import get_post
from db.queries.schedules import get_schedule, set_schedule
from tests.support.answers import record_answer
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts

TEAM, CHANNEL = "T0001", "CSEASON"
# The fake Slack stamps messages with the real time, and a recovering replica searches
# `conversations.history` from shortly before its claim (by the injected clock): so the
# injected clock stays in the past. The season recapped is September 2026.
SEPTEMBER = dt.date(2026, 9, 1)
OCT_1_NINE = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)  # a Thursday


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    made = FakeClock(dt.datetime(2026, 8, 1, 8, tzinfo=dt.UTC))
    fake_slack.clock = made.now  # message timestamps follow the test's time
    return made


def make_replicas(
    env: dict[str, str], clock: FakeClock, *, zone: str = "UTC", days: str = "thu"
) -> list[Runtime]:
    """Two replicas sharing one database; the channel's schedule is 09:00 on `days` (the
    test posts the month's quiz days itself)."""
    made: list[Runtime] = []
    for name in ("replica-a", "replica-b"):
        settings = dataclasses.replace(load_settings(env), replica_id=name)
        runtime = build_runtime(settings, clock=clock)
        made.append(runtime)
    with made[0].db.writing() as session:
        set_schedule(
            session=session,
            team_id=TEAM,
            channel_id=CHANNEL,
            hour=9,
            minute=0,
            timezone=zone,
            days=days,
            now=clock.now(),
        )
    return made


@pytest.fixture
def replicas(env: dict[str, str], clock: FakeClock) -> Iterator[list[Runtime]]:
    made = make_replicas(env, clock)
    yield made
    for runtime in made:
        runtime.close()


def play(runtime: Runtime, clock: FakeClock, day: dt.date, answers: dict[str, bool]) -> None:
    """Post `day`'s question (as `leader-quiz post --date` does) and record the answers."""
    clock.set(dt.datetime.combine(day, dt.time(9, 0, 30), tzinfo=dt.UTC))
    outcome = runtime.posts.post_daily(
        team_id=TEAM, channel_id=CHANNEL, quiz_day=day, timezone="UTC", fence=None
    )
    assert outcome.status is PostStatus.POSTED
    with runtime.db.writing() as session:
        post = get_post(session=session, post_id=outcome.post_id)
        question = runtime.bank.question(post.question_id)
        for user, right in answers.items():
            index = next(i for i, option in enumerate(question.options) if option.correct == right)
            record_answer(
                session=session, post=post, user_id=user, option_index=index, correct=right, now=clock.now()
            )


def play_september(runtime: Runtime, clock: FakeClock) -> None:
    play(runtime, clock, dt.date(2026, 8, 27), {"UOLD": True})  # August: never recapped on Oct 1
    play(runtime, clock, dt.date(2026, 9, 1), {"UALICE": True, "UBOB": True, "UCAROL": False})
    play(runtime, clock, dt.date(2026, 9, 2), {"UALICE": True, "UBOB": False})
    play(runtime, clock, dt.date(2026, 9, 3), {"UALICE": True, "UCAROL": True})
    with runtime.db.writing() as session:
        for name, users in (("Owls", ["UALICE"]), ("Hawks", ["UBOB", "UCAROL"])):
            team_queries.add_members(
                session=session, team_id=TEAM, channel_id=CHANNEL, name=name, user_ids=users, now=clock.now()
            )


def recaps(fake: FakeSlack) -> list[dict]:
    return [
        m for m in fake.messages(CHANNEL) if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
    ]


def season_rows(runtime: Runtime) -> list[SeasonPost]:
    from sqlalchemy import select

    with runtime.db.reading() as session:
        return list(session.execute(select(SeasonPost).order_by(SeasonPost.month)).scalars())


def lead(runtime: Runtime) -> None:
    assert runtime.scheduler.heartbeat() is not None


def test_recap_is_posted_once_at_month_start_even_with_two_replicas(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, b = replicas
    play_september(a, clock)

    # Not yet: September's last evening, and October 1 before the channel's 09:00.
    for when in (dt.datetime(2026, 9, 30, 23, 59, tzinfo=dt.UTC), OCT_1_NINE - dt.timedelta(minutes=1)):
        clock.set(when)
        lead(a)
        a.scheduler.run_due()
        assert recaps(fake_slack) == [] and season_rows(a) == []

    # a's lease runs out; b takes over; a's clock lags so it still believes it leads, and
    # both fire at the same moment.
    clock.set(OCT_1_NINE - dt.timedelta(seconds=10))
    old = a.scheduler.heartbeat()
    clock.set(OCT_1_NINE + dt.timedelta(seconds=20))
    lead(b)
    a.scheduler._fence = dataclasses.replace(old, expires_at=OCT_1_NINE + dt.timedelta(hours=1))
    barrier = threading.Barrier(2)

    def fire(runtime: Runtime) -> None:
        barrier.wait()
        runtime.scheduler.run_due()

    threads = [threading.Thread(target=fire, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [recap] = recaps(fake_slack)
    [row] = season_rows(a)
    assert (row.month, row.status, row.message_ts) == (SEPTEMBER, "posted", recap["ts"])
    assert row.fencing_token == old.token + 1  # b's claim: a's stale token was refused
    assert recap["metadata"]["event_payload"]["season_post_id"] == row.id

    text = block_texts(recap["blocks"])
    assert "September 2026 season recap" in text and "3 quiz days" in text
    # People: Alice 3 of 3, Carol 1 of 2, Bob 1 of 2 (Bob's streak is 0, Carol's 1).
    assert text.index("<@UALICE> — *3* correct of 3") < text.index("<@UCAROL> — *1* correct of 2")
    assert text.index("<@UCAROL>") < text.index("<@UBOB> — *1* correct of 2")
    assert "UOLD" not in text  # August's answers are not September's
    # Teams: Owls 3 ÷ (1 × 3) = 1.00; Hawks 2 ÷ (2 × 3) = 0.33.
    assert "🥇 *Owls* — *1.00* correct per member per day" in text
    assert "🥈 *Hawks* — *0.33* correct per member per day · 2 members · turnout 67%" in text
    # The hardest question: 2 September's (basics-3), 1 of 2 right; shown with its explanation.
    hardest = load_bank().question("basics-3")
    assert "The month's hardest question* (50% right first time)" in text
    assert hardest.explanation[:60] in text

    # Later syncs post nothing more; August is never recapped.
    for minutes in (1, 30, 60 * 24):
        clock.set(OCT_1_NINE + dt.timedelta(minutes=minutes))
        lead(b)
        b.scheduler.run_due()
    assert len(recaps(fake_slack)) == 1
    assert [r.month for r in season_rows(b)] == [SEPTEMBER]


def test_crash_after_slack_accepted_is_recovered_without_a_second_message(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = replicas
    play_september(a, clock)
    clock.set(OCT_1_NINE + dt.timedelta(seconds=1))
    lead(a)

    def crash(*args: object) -> None:
        raise RuntimeError("replica a died here")

    monkeypatch.setattr(a.recaps, "delivered", crash)  # dies before the recap's ts is stored
    a.scheduler.run_due()  # the recap's send stops where the process would have died
    monkeypatch.undo()
    assert len(recaps(fake_slack)) == 1  # Slack has it; the ts was never stored
    [row] = season_rows(a)
    assert row.status == "claimed" and row.message_ts is None

    # A fresh claim is left alone: its claimer may still be at it.
    clock.advance(seconds=20)
    lead(b)
    b.scheduler.run_due()
    assert len(recaps(fake_slack)) == 1 and season_rows(b)[0].status == "claimed"
    assert not fake_slack.calls("conversations.history")

    # Past the stale window, b takes over, finds the message by its metadata, posts nothing.
    clock.advance(seconds=61)
    lead(b)
    b.scheduler.run_due()
    b.scheduler.run_due()
    [recap] = recaps(fake_slack)
    [row] = season_rows(b)
    assert row.status == "posted" and row.message_ts == recap["ts"]
    assert fake_slack.calls("conversations.history")
    assert len([c for c in fake_slack.calls("chat.postMessage") if _is_recap(c.params)]) == 1


def _is_recap(params: dict) -> bool:
    return (params.get("metadata") or {}).get("event_type") == METADATA_EVENT


def test_crash_after_claim_before_slack_is_posted_later_once(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, b = replicas
    play_september(a, clock)
    clock.set(OCT_1_NINE + dt.timedelta(seconds=1))
    fence = a.scheduler.heartbeat()
    with a.db.writing() as session:  # a claims, then dies before calling Slack
        claims.claim(
            session,
            SeasonPost,
            key={"team_id": TEAM, "channel_id": CHANNEL, "month": SEPTEMBER},
            values={},
            fence=fence,
            now=clock.now(),
        )
    clock.advance(seconds=90)
    lead(b)
    b.scheduler.run_due()
    b.scheduler.run_due()
    [recap] = recaps(fake_slack)
    [row] = season_rows(b)
    assert row.status == "posted" and row.message_ts == recap["ts"]


def test_no_recap_for_a_month_without_quiz_days(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    play(a, clock, dt.date(2026, 8, 20), {"UALICE": True})  # August only; September is quiet
    clock.set(OCT_1_NINE + dt.timedelta(seconds=1))
    lead(a)
    a.scheduler.run_due()
    assert recaps(fake_slack) == [] and season_rows(a) == []
    # The daily question went out as usual; it is October's, so still no September recap.
    assert any(
        m["metadata"]["event_type"] == "leader_quiz_daily_question" for m in fake_slack.messages(CHANNEL)
    )
    clock.advance(minutes=5)
    lead(a)
    a.scheduler.run_due()
    assert recaps(fake_slack) == []


def test_no_recap_for_a_month_whose_questions_nobody_answered(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    play(a, clock, dt.date(2026, 9, 29), {})
    play(a, clock, dt.date(2026, 9, 30), {})
    clock.set(OCT_1_NINE + dt.timedelta(seconds=1))
    lead(a)
    a.scheduler.run_due()
    assert recaps(fake_slack) == [] and season_rows(a) == []


def post_recaps(runtime: Runtime) -> int:
    """Queue the due recaps and wait: how many were posted."""
    futures = runtime.scheduler.recaps.post_due(runtime.scheduler.fence)
    return sum(ClaimedDelivery.outcome(future).status is Status.DELIVERED for future in futures)


def test_recap_waits_for_the_channel_s_own_month_start(
    env: dict[str, str], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, b = make_replicas(env, clock, zone="America/Los_Angeles", days="sat")
    try:
        play(a, clock, dt.date(2026, 9, 5), {"UALICE": True})
        clock.set(OCT_1_NINE + dt.timedelta(seconds=1))  # 02:00 on Oct 1 in Los Angeles
        lead(a)
        assert post_recaps(a) == 0
        clock.set(dt.datetime(2026, 10, 1, 16, 0, 1, tzinfo=dt.UTC))  # 09:00:01 there
        lead(a)
        assert post_recaps(a) == 1
        assert len(recaps(fake_slack)) == 1
    finally:
        a.close()
        b.close()


def test_a_refused_channel_is_flagged_and_nothing_is_left_claimed(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    play_september(a, clock)
    clock.set(OCT_1_NINE + dt.timedelta(seconds=1))
    lead(a)
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")
    assert post_recaps(a) == 0
    assert season_rows(a) == []
    with a.db.reading() as session:
        assert (
            get_schedule(session=session, team_id=TEAM, channel_id=CHANNEL).flagged_error == "not_in_channel"
        )
    assert post_recaps(a) == 0  # a flagged channel is skipped
    assert recaps(fake_slack) == []


def test_a_recap_missed_for_the_first_week_is_not_posted_late(
    replicas: list[Runtime], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    play_september(a, clock)
    clock.set(dt.datetime(2026, 10, 8, 9, 0, 1, tzinfo=dt.UTC))  # every replica was down a week
    lead(a)
    assert post_recaps(a) == 0
    assert recaps(fake_slack) == []
