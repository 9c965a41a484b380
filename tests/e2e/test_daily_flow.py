"""The daily question end to end over HTTP: post, clicks, private replies, the coalesced
count, stats, leaderboard, a second click refused, close and reveal."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

import pytest

from bot.slack.outbox import POST, WORKERS, Call
from db.queries import posts as post_queries
from tests.support.fake_slack import FakeSlack
from tests.support.messages import (
    block_texts,
    buttons,
    correct_letter,
    question_for,
    shown_options,
    wrong_letter,
)
from tests.support.posts import channel_posts
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CQUIZ"


def post_day(app: InProcessApp, day: dt.date) -> None:
    outcome = app.runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=day, timezone="UTC", fence=None
    )
    assert outcome.status.value == "posted", outcome


def latest_message(fake: FakeSlack) -> dict:
    return fake.messages(CHANNEL)[-1]


def ephemeral_for(fake: FakeSlack, user: str, count: int = 1) -> list[str]:
    calls = fake.wait_for_replies(count, user=user)
    return [block_texts(c.params.get("blocks") or []) for c in calls]


def responses(fake: FakeSlack, key: str) -> str:
    calls = fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key)
    return block_texts(calls[-1].params.get("blocks") or [])


def test_daily_question_shape(app: InProcessApp, fake_slack: FakeSlack) -> None:
    post_day(app, dt.date(2026, 11, 23))
    message = latest_message(fake_slack)
    texts = block_texts(message["blocks"])
    assert "Question 1 of 5 · Leader election basics" in texts
    assert len(buttons(message)) == 4
    assert set(shown_options(message)) == set(buttons(message))
    assert "No answers yet" in texts
    # The message metadata names the post, so a lost ts can be recovered without reposting.
    assert message["metadata"]["event_type"] == "leader_quiz_daily_question"


def test_post_click_reply_stats_leaderboard_close(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    post_day(app, dt.date(2026, 11, 23))
    message = latest_message(fake_slack)
    values = buttons(message)
    right, wrong = correct_letter(message), wrong_letter(message)
    question = question_for(message)

    started = time.monotonic()
    assert slack.click(value=values[right], user="UALICE", channel=CHANNEL).status_code == 200
    assert slack.click(value=values[wrong], user="UBOB", channel=CHANNEL).status_code == 200
    assert time.monotonic() - started < 3  # acked at once

    alice = ephemeral_for(fake_slack, "UALICE")[0]
    assert "Correct!" in alice
    assert question.explanation.split(".")[0].replace("&", "&amp;") in alice
    assert "streak in this channel: 1 day" in alice
    bob = ephemeral_for(fake_slack, "UBOB")[0]
    assert "Not quite" in bob and f"The answer is *{right}." in bob
    assert "streak in this channel: 0 days" in bob

    # A second click: the first answer stands.
    slack.click(value=values[wrong], user="UALICE", channel=CHANNEL)
    again = ephemeral_for(fake_slack, "UALICE", count=2)[1]
    assert f"You already answered *{right}." in again

    # The channel message shows the count, never who answered what.
    updates = fake_slack.wait_for(
        "chat.update", where=lambda c: "2 people answered" in block_texts(c.params.get("blocks") or [])
    )
    shown = block_texts(updates[-1].params["blocks"])
    assert "UALICE" not in shown and "Correct" not in shown

    slack.command("stats", user="UALICE", channel=CHANNEL, key="stats-alice")
    stats = responses(fake_slack, "stats-alice")
    assert "Current streak: *1 day*" in stats and "1 correct of 1 answered" in stats
    assert "Leader election basics: 1 / 5 completed" in stats

    slack.command("leaderboard all", user="UBOB", channel=CHANNEL, key="board")
    board = responses(fake_slack, "board")
    assert board.index("<@UALICE>") < board.index("<@UBOB>")

    # The next day's post closes and reveals this one.
    post_day(app, dt.date(2026, 11, 24))
    reveal = fake_slack.wait_for(
        "chat.update",
        where=lambda c: c.params.get("ts") == message["ts"] and "closed" in block_texts(c.params["blocks"]),
    )[-1]
    revealed = block_texts(reveal.params["blocks"])
    assert f"Answer: {right}." in revealed
    assert "2 people answered · 50% got it right" in revealed
    assert not any(block["type"] == "actions" for block in reveal.params["blocks"])

    with app.runtime.db.reading() as session:  # a channel never has two questions open
        statuses = [p.status for p in channel_posts(session=session, team_id="T0001", channel_id=CHANNEL)]
    assert statuses == ["closed", "open"]

    slack.click(value=values[right], user="UCAROL", channel=CHANNEL)
    closed = ephemeral_for(fake_slack, "UCAROL")[0]
    assert f"This question has closed; the answer was *{right}." in closed
    slack.command("stats", user="UCAROL", channel=CHANNEL, key="stats-carol")
    assert "0 correct of 0 answered" in responses(fake_slack, "stats-carol")


def test_count_updates_are_coalesced(env: dict[str, str], fake_slack: FakeSlack, database_url: str) -> None:
    """A burst of clicks inside one window costs at most two `chat.update`s (one at once, one
    when the window opens, with the final count), never one per click, and never closer
    together than the window."""
    window = 2.0
    app = InProcessApp.from_env({**env, "COUNT_UPDATE_SECONDS": str(window)})
    slack = SlackSender(base_url=app.base_url, response_url_for=fake_slack.response_url)
    try:
        post_day(app, dt.date(2026, 11, 23))
        message = latest_message(fake_slack)
        value = next(iter(buttons(message).values()))
        first_click = time.monotonic()
        for n in range(12):
            slack.click(value=value, user=f"U{n:04d}", channel=CHANNEL)
        last_click = time.monotonic()
        fake_slack.wait_for_replies(12)
        fake_slack.wait_for(
            "chat.update",
            where=lambda c: "12 people answered" in block_texts(c.params.get("blocks") or []),
            timeout=3 * window + 5,
        )
        time.sleep(window + 0.5)  # room for any update that should not come
        updates = [c for c in fake_slack.calls("chat.update") if c.params.get("ts") == message["ts"]]
        assert last_click - first_click < window, "the burst took longer than one window"
        assert 1 <= len(updates) <= 2, [block_texts(c.params.get("blocks") or [])[-60:] for c in updates]
        for earlier, later in itertools.pairwise(updates):
            assert later.at - earlier.at >= window * 0.9
        assert "12 people answered" in block_texts(updates[-1].params.get("blocks") or [])
    finally:
        app.stop()


def test_count_updates_stay_a_window_apart_across_replicas_with_a_backed_up_outbox(
    env: dict[str, str], fake_slack: FakeSlack, database_url: str
) -> None:
    """Two replicas on one database; replica A's outbox is busy for 2 s, so its count refresh
    runs late. A click on B in the meantime refreshes at once. The two sends still reach Slack a
    window apart: the slot is claimed when a refresh is sent, not when its click arrived."""
    window = 1.5
    a = InProcessApp.from_env({**env, "COUNT_UPDATE_SECONDS": str(window)})
    b = InProcessApp.from_env({**env, "COUNT_UPDATE_SECONDS": str(window)})
    try:
        post_day(a, dt.date(2026, 11, 23))
        message = latest_message(fake_slack)
        value = next(iter(buttons(message).values()))
        release = threading.Event()
        for n in range(WORKERS):  # every outbox worker of A busy
            a.runtime.outbox.submit(
                Call(kind=POST, team_id="T0001", what=f"busy {n}", call=lambda: release.wait(10))
            )
        threading.Timer(2.0, release.set).start()
        to_a = SlackSender(base_url=a.base_url, response_url_for=fake_slack.response_url)
        to_b = SlackSender(base_url=b.base_url, response_url_for=fake_slack.response_url)
        assert to_a.click(value=value, user="UONA", channel=CHANNEL).status_code == 200
        time.sleep(window + 0.1)
        assert to_b.click(value=value, user="UONB", channel=CHANNEL).status_code == 200
        fake_slack.wait_for(
            "chat.update",
            where=lambda c: "2 people answered" in block_texts(c.params.get("blocks") or []),
            timeout=10,
        )
        time.sleep(2 * window + 1.0)  # A's late refresh has had its chance
        updates = [c for c in fake_slack.calls("chat.update") if c.params.get("ts") == message["ts"]]
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(updates)]
        assert all(gap >= window * 0.9 for gap in gaps), gaps
    finally:
        a.stop()
        b.stop()


def test_a_click_before_the_poster_stored_the_ts_counts(
    app: InProcessApp, slack: SlackSender, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack shows the message (and sends its clicks) before chat.postMessage's answer reaches
    the poster: a click in that gap is an answer like any other, not "not available"."""
    stored = threading.Event()
    release = threading.Event()
    real_open = post_queries.open_post

    def slow_open(**kwargs: object) -> list[int]:
        stored.set()
        release.wait(10)  # the poster is between Slack's answer and its own commit
        return real_open(**kwargs)

    monkeypatch.setattr(post_queries, "open_post", slow_open)
    poster = threading.Thread(target=post_day, args=(app, dt.date(2026, 11, 30)))
    poster.start()
    assert stored.wait(10)
    message = latest_message(fake_slack)
    letter = correct_letter(message)
    assert slack.click(value=buttons(message)[letter], user="UEARLY", channel=CHANNEL).status_code == 200
    [reply] = ephemeral_for(fake_slack, "UEARLY")
    release.set()
    poster.join(10)
    assert "Correct" in reply, reply
    with app.runtime.db.reading() as session:
        [post] = channel_posts(session=session, team_id="T0001", channel_id=CHANNEL)
        assert post.status == "open"
        assert post_queries.answer_counts(session=session, post_id=post.id)[0] == 1
