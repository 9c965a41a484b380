"""The single `chat.update` slot per post and window, shared by every replica through the
database: a claimed slot stays taken while its send is under way, and the next window runs
from when the send ended."""

from __future__ import annotations

import datetime as dt

from bot.services.answer_counts import SEND_HOLD
from db.queries.owed import count_sent, stale_counts
from db.queries.posts import claim_count_refresh, get_post
from tests.unit.quiz_db import answer, database, noon, post_day

WINDOW = dt.timedelta(seconds=5)


def test_a_slow_send_keeps_its_slot_and_the_next_window_runs_from_its_end(database_url: str) -> None:
    with database(database_url) as db:
        day = dt.date(2026, 11, 30)
        post_id = post_day(db, channel="CSLOT", day=day)
        start = noon(day)
        answer(db, post_id=post_id, user="U1", correct=True, now=start)

        def claim(at: dt.datetime) -> tuple[bool, dt.datetime]:
            held = at + SEND_HOLD
            with db.writing() as session:
                return claim_count_refresh(
                    session=session, post_id=post_id, now=at, window=WINDOW, hold=held
                ), held

        claimed, held = claim(start)
        assert claimed
        assert not claim(start + WINDOW / 2)[0], "two updates in one window"
        # The first send is slow to leave (a busy outbox, a retry): a window on, its slot is
        # still taken, so no second update lands right behind it.
        assert not claim(start + WINDOW * 3)[0], "a slot was taken while another's send was under way"

        ended = start + WINDOW * 4
        with db.writing() as session:
            count_sent(session=session, post_id=post_id, held=held, sent_at=ended, answered=7)
        with db.reading() as session:
            post = get_post(session=session, post_id=post_id)
            assert post is not None
            assert post.count_shown == 7
        assert not claim(ended + WINDOW / 2)[0], "the window must run from the end of the send"
        claimed, _ = claim(ended + WINDOW)
        assert claimed

        # A late report from a send whose slot was overtaken (it outlived its hold) keeps the
        # new slot taken, and makes what the message shows unknown: its update may have landed
        # after the newer one, so the leader's catch-up is to send the count again.
        with db.writing() as session:
            count_sent(session=session, post_id=post_id, held=held, sent_at=ended + WINDOW * 9, answered=3)
        with db.reading() as session:
            post = get_post(session=session, post_id=post_id)
            assert post is not None
            assert post.count_shown is None
            assert stale_counts(session=session, quiet_since=ended + WINDOW * 10) == [(post_id, "T0001")]
        assert not claim(ended + WINDOW * 2)[0], "the overtaken report released the new slot"

        # A sender that died mid-send holds the slot only until SEND_HOLD lapses.
        assert claim(ended + WINDOW + SEND_HOLD + WINDOW)[0]
