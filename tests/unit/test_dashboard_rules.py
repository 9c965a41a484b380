"""The dashboard's rules on plain data: the bad-key and give-away flags, streak buckets, the
weekly replay of "remembered now", and charts that escape what they are given."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.admin import charts
from bot.domain import dashboard as rules
from bot.services.sign_in import authorize_url, id_token_claims
from quiz import question_quality, spaced


@dataclass(frozen=True)
class Row:
    user_id: str
    question_id: str
    option_index: int
    correct: bool


def team(strong: int, weak: int, *, strong_pick: int, weak_pick: int, key: int = 0) -> list[Row]:
    """`strong` people right on three other questions, `weak` ones wrong on them; on "q" they
    pick the given options (the key is option `key`)."""
    rows = []
    for n in range(strong + weak):
        user, is_strong = f"U{n:03d}", n < strong
        for other in ("a", "b", "c"):
            rows.append(Row(user, other, 0 if is_strong else 1, is_strong))
        pick = strong_pick if is_strong else weak_pick
        rows.append(Row(user, "q", pick, pick == key))
    return rows


def test_a_distractor_the_strongest_prefer_flags_a_possible_bad_key() -> None:
    rows = team(10, 20, strong_pick=2, weak_pick=0)  # the strong pick option 2, the weak the key
    check = question_quality.key_checks(rows, {"q": 0})["q"]
    assert (
        check.strong == 9 and check.distractor == 2 and check.distractor_votes == 9 and check.key_votes == 0
    )
    assert check.bad_key


def test_no_flag_when_the_strongest_choose_the_key_or_are_too_few() -> None:
    assert not question_quality.key_checks(team(10, 20, strong_pick=0, weak_pick=2), {"q": 0})["q"].bad_key
    few = question_quality.key_checks(team(5, 20, strong_pick=2, weak_pick=0), {"q": 0})[
        "q"
    ]  # ceil(.27 * 25) = 7 < 8
    assert few.strong == 0 and not few.bad_key
    # Accuracy is on the OTHER questions: the flagged question itself does not rank anyone.
    only_q = [Row(f"U{n}", "q", 2, False) for n in range(40)]
    assert question_quality.key_checks(only_q, {"q": 0})["q"].strong == 0


def test_give_away_needs_nearly_everyone_right_and_enough_answers() -> None:
    check = question_quality.KeyCheck(0, 0, None, 0)
    row = rules.QuestionRow(
        "q",
        "L",
        "?",
        answered=20,
        right=19,
        top_wrong=None,
        top_wrong_count=1,
        key_check=check,
        bad_key_option=None,
    )
    assert row.give_away
    assert not rules.QuestionRow("q", "L", "?", 20, 18, None, 2, check, None).give_away
    assert not rules.QuestionRow("q", "L", "?", 9, 9, None, 0, check, None).give_away


def test_streak_buckets() -> None:
    counts = rules.streak_buckets([0, 0, 1, 2, 3, 4, 5, 9, 10, 400])
    assert [(c.label, c.value) for c in counts] == [
        ("0", 2),
        ("1", 1),
        ("2", 1),
        ("3–4", 2),
        ("5–9", 2),
        ("10+", 2),
    ]


def test_the_weekly_replay_ends_where_the_stored_card_is() -> None:
    """The replay gives, at each instant, what the card stored after those reviews says."""
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    reviews = [
        (start, True),
        (start + dt.timedelta(days=1), True),
        (start + dt.timedelta(days=9), False),
        (start + dt.timedelta(days=10), True),
    ]
    instants = [start - dt.timedelta(days=1)] + [start + dt.timedelta(days=d) for d in (2, 5, 9.5, 12, 30)]
    replayed = spaced.remembered_at(reviews, instants)
    assert replayed[0] is None
    for instant, found in zip(instants[1:], replayed[1:], strict=True):
        card = None
        for at, correct in reviews:
            if at <= instant:
                card = spaced.review(card, correct=correct, now=at)
        assert card is not None and found == spaced.remembered(card, instant)
    assert True in replayed and False in replayed


def test_charts_carry_their_numbers_and_escape_their_labels() -> None:
    svg = charts.bar_chart([("<b>x</b>", 3), ("y", 0)], title='a "title" & more', name="n")
    assert 'data-value="3"' in svg and 'data-value="0"' in svg
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&#34;title&#34; &amp; more" in svg
    line = charts.line_chart(["w1", "w2"], [("<script>", [None, 0.5])], title="t", name="m")
    assert "<script>" not in line and line.count("<circle") == 1 and 'data-value="0.5000"' in line


def test_the_authorize_url_and_id_token_claims() -> None:
    url = authorize_url(
        "https://slack.com/openid/connect/authorize",
        client_id="1.2",
        redirect_uri="https://q/admin/callback",
        state="s",
        nonce="n",
    )
    assert url.startswith(
        "https://slack.com/openid/connect/authorize?response_type=code&scope=openid+profile"
    )
    assert "nonce=n" in url and "state=s" in url and "redirect_uri=https%3A%2F%2Fq%2Fadmin%2Fcallback" in url
    assert id_token_claims("not.a-jwt") == {} and id_token_claims("a.e30.c") == {}
