"""The daily question's Block Kit, built without Slack: buttons, labels within Slack's
limits, each option shown once, a per-post option order, the closed reveal, the source under
every explanation, and mrkdwn escaping."""

from __future__ import annotations

import json

import pytest

from bot.blocks.question import (
    render_answer_result,
    render_closed_question,
    render_daily_question,
    render_private_question,
    source_line,
)
from bot.blocks.text import BUTTON_LIMIT, escape
from content import Lesson, Option, Question, load_bank
from quiz.grading import DAILY_ACTION_PREFIX, PRACTICE, REVIEW, correct_option, option_order


def make_question(
    options: list[str],
    *,
    correct: int = 0,
    qid: str = "q-1",
    prompt: str = "Which?",
    source: str = "a book",
    link: str | None = None,
    retired: bool = False,
) -> Question:
    return Question(
        id=qid,
        lesson_id="l",
        position=0 if retired else 2,
        prompt=prompt,
        options=tuple(Option(text=text, correct=i == correct) for i, text in enumerate(options)),
        explanation="Because of the right one.",
        difficulty=1,
        source=source,
        link=link,
        retired=retired,
    )


def make_lesson(question: Question) -> Lesson:
    other = make_question(["x", "y"], qid="q-0")
    return Lesson(
        id="l", number=1, title="Leases", goal="g", questions=(other, question, other, other, other)
    )


SHORT = make_question(["Leader election", "Load balancing", "Service discovery", "Data sharding"])


def as_dicts(blocks: list) -> list[dict]:
    return [block.to_dict() for block in blocks]  # to_dict() also runs slack_sdk's validation


def actions_blocks(blocks: list[dict]) -> list[dict]:
    return [block for block in blocks if block["type"] == "actions"]


def buttons(blocks: list[dict]) -> list[dict]:
    (actions,) = actions_blocks(blocks)
    return actions["elements"]


def test_daily_question_has_title_prompt_options_one_actions_block_and_count() -> None:
    text, blocks = render_daily_question(post_id=7, question=SHORT, lesson=make_lesson(SHORT), answered=3)
    rendered = as_dicts(blocks)
    # Every option fits on its button, so the options are not listed again above them.
    assert [block["type"] for block in rendered] == ["header", "section", "actions", "context"]
    assert rendered[0]["text"]["text"] == "Question 2 of 5 · Leases"
    assert rendered[1]["text"]["text"] == "Which?"
    assert "3 people answered" in rendered[3]["elements"][0]["text"]
    assert "Which?" in text
    # One button per option, each naming the post and a distinct letter.
    elements = buttons(rendered)
    assert len(elements) == len(SHORT.options)
    assert all(element["type"] == "button" for element in elements)
    letters = [element["value"].split(":")[1] for element in elements]
    assert letters == ["A", "B", "C", "D"]
    assert [element["value"] for element in elements] == [f"7:{letter}" for letter in letters]
    assert [element["action_id"] for element in elements] == [f"{DAILY_ACTION_PREFIX}{x}" for x in letters]
    # Nobody's answer or the correct one is shown while open.
    assert "✅" not in json.dumps(rendered, ensure_ascii=False)


def test_no_answers_yet_line() -> None:
    _, blocks = render_daily_question(post_id=1, question=SHORT, lesson=make_lesson(SHORT))
    assert "No answers yet" in as_dicts(blocks)[-1]["elements"][0]["text"]


def test_short_options_are_on_the_buttons_in_full() -> None:
    _, blocks = render_daily_question(post_id=7, question=SHORT, lesson=make_lesson(SHORT))
    shown = option_order(SHORT, "post-7")
    labels = [element["text"]["text"] for element in buttons(as_dicts(blocks))]
    assert labels == [f"{option.letter}. {option.text}" for option in shown]


@pytest.mark.parametrize("render", ["daily", "practice", "review"])
def test_options_that_fit_on_their_buttons_are_shown_once(render: str) -> None:
    lesson = make_lesson(SHORT)
    if render == "daily":
        _, blocks = render_daily_question(post_id=7, question=SHORT, lesson=lesson)
    else:
        kind = PRACTICE if render == "practice" else REVIEW
        _, blocks = render_private_question(kind=kind, question=SHORT, lesson=lesson, seed=7)
    rendered = as_dicts(blocks)
    dumped = json.dumps(rendered, ensure_ascii=False)
    for option in SHORT.options:
        assert dumped.count(option.text) == 1, option.text  # on its button, nowhere else
    sections = [block["text"]["text"] for block in rendered if block["type"] == "section"]
    assert sections == ["Which?"]


@pytest.mark.parametrize("render", ["daily", "practice"])
def test_options_too_long_for_a_button_are_listed_once_with_letters_on_the_buttons(render: str) -> None:
    long = "A consensus-based election that fails over automatically when a heartbeat is missed"
    question = make_question(["brief", long, "terse"], correct=1)
    lesson = make_lesson(question)
    if render == "daily":
        _, blocks = render_daily_question(post_id=3, question=question, lesson=lesson)
    else:
        _, blocks = render_private_question(kind=PRACTICE, question=question, lesson=lesson, seed=3)
    rendered = as_dicts(blocks)
    assert [block["type"] for block in rendered] == ["header", "section", "section", "actions", "context"]
    assert [element["text"]["text"] for element in buttons(rendered)] == ["A", "B", "C"]
    dumped = json.dumps(rendered, ensure_ascii=False)
    for option in question.options:
        assert dumped.count(option.text) == 1, option.text  # in the lettered list, not on a button


def test_one_long_option_puts_letters_on_every_button() -> None:
    long = "A consensus-based election that fails over automatically when a heartbeat is missed"
    assert len(long) > BUTTON_LIMIT
    question = make_question(["short", long, "also short"], correct=1)
    _, blocks = render_daily_question(post_id=3, question=question, lesson=make_lesson(question))
    rendered = as_dicts(blocks)
    labels = [element["text"]["text"] for element in buttons(rendered)]
    assert labels == ["A", "B", "C"]
    # The full text is in the message, lettered, so the buttons still make sense.
    options_text = rendered[2]["text"]["text"]
    for option in option_order(question, "post-3"):
        assert f"*{option.letter}.* {option.text}" in options_text


def test_a_label_of_exactly_75_characters_stays_in_full() -> None:
    exact = "x" * (BUTTON_LIMIT - 3)  # "A. " + 72 = 75
    question = make_question([exact, "y" * (BUTTON_LIMIT - 3)])
    _, blocks = render_daily_question(post_id=1, question=question, lesson=make_lesson(question))
    labels = [element["text"]["text"] for element in buttons(as_dicts(blocks))]
    assert [len(label) for label in labels] == [BUTTON_LIMIT, BUTTON_LIMIT]


def test_every_shipped_question_renders_within_slack_limits() -> None:
    bank = load_bank()
    for question in bank.questions:
        lesson = bank.lesson(question.lesson_id)
        assert lesson is not None
        for render, kwargs in (
            (render_daily_question, {"post_id": 11}),
            (render_private_question, {"seed": 11, "kind": PRACTICE}),
            (render_private_question, {"seed": 11, "kind": REVIEW}),
        ):
            _, blocks = render(question=question, lesson=lesson, **kwargs)  # type: ignore[operator]
            rendered = as_dicts(blocks)
            labels = [element["text"]["text"] for element in buttons(rendered)]
            assert len(labels) == len(question.options)
            assert all(len(label) <= BUTTON_LIMIT for label in labels), question.id
            assert all(len(block["text"]["text"]) <= 3000 for block in rendered if block["type"] == "section")
            assert len(rendered[0]["text"]["text"]) <= 150


def test_option_order_is_deterministic_per_post() -> None:
    assert option_order(SHORT, "post-42") == option_order(SHORT, "post-42")
    shown = option_order(SHORT, "post-42")
    assert sorted(option.index for option in shown) == [0, 1, 2, 3]
    assert [option.letter for option in shown] == ["A", "B", "C", "D"]
    assert all(option.text == SHORT.options[option.index].text for option in shown)
    assert correct_option(shown).index == SHORT.correct_index
    # Rendering twice (another replica, the reveal) shows the same order.
    first = as_dicts(render_daily_question(post_id=42, question=SHORT, lesson=make_lesson(SHORT))[1])
    again = as_dicts(render_daily_question(post_id=42, question=SHORT, lesson=make_lesson(SHORT))[1])
    assert first == again


def test_the_correct_option_moves_across_posts() -> None:
    positions = [correct_option(option_order(SHORT, f"post-{post_id}")).letter for post_id in range(1, 51)]
    assert len(set(positions)) >= 3  # not always in the same place
    assert positions.count("A") < 40
    orders = {tuple(o.index for o in option_order(SHORT, f"post-{post_id}")) for post_id in range(1, 51)}
    assert len(orders) > 5


def test_closed_reveal_has_no_buttons_and_names_the_correct_letter() -> None:
    text, blocks = render_closed_question(
        post_id=9, question=SHORT, lesson=make_lesson(SHORT), answered=4, correct=3
    )
    rendered = as_dicts(blocks)
    assert actions_blocks(rendered) == []
    right = correct_option(option_order(SHORT, "post-9"))
    dumped = json.dumps(rendered, ensure_ascii=False)
    assert f"*Answer: {right.letter}. Leader election*" in dumped
    assert f"*{right.letter}.* Leader election ✅" in dumped
    assert dumped.count("✅") == 1
    assert "Because of the right one." in dumped
    assert "4 people answered · 75% got it right" in dumped
    assert "closed" in rendered[0]["text"]["text"]
    assert text.startswith(f"Closed: the answer was {right.letter}.")
    # The letters match what the open question showed for the same post (on its buttons).
    open_blocks = as_dicts(render_daily_question(post_id=9, question=SHORT, lesson=make_lesson(SHORT))[1])
    assert f"{right.letter}. Leader election" in [b["text"]["text"] for b in buttons(open_blocks)]


def test_closed_reveal_with_no_answers() -> None:
    _, blocks = render_closed_question(
        post_id=9, question=SHORT, lesson=make_lesson(SHORT), answered=0, correct=0
    )
    assert "Nobody answered" in as_dicts(blocks)[-1]["elements"][0]["text"]


def test_escape() -> None:
    assert escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert escape("&lt;") == "&amp;lt;"  # escaped once, not mistaken for an entity
    assert escape("<!channel> <@U1>") == "&lt;!channel&gt; &lt;@U1&gt;"


@pytest.mark.parametrize("closed", [False, True])
def test_mrkdwn_text_is_escaped_in_every_section(closed: bool) -> None:
    question = Question(
        id="q-esc",
        lesson_id="l",
        position=2,
        prompt="Is <!channel> & <@U1> > quorum?",
        options=(Option("A & B", True), Option("<b>bold</b>", False)),
        explanation="Because A & B < C.",
        difficulty=1,
        source="s",
    )
    lesson = make_lesson(question)
    if closed:
        _, blocks = render_closed_question(post_id=1, question=question, lesson=lesson, answered=1, correct=1)
    else:
        _, blocks = render_daily_question(post_id=1, question=question, lesson=lesson)
    mrkdwn = [block["text"]["text"] for block in as_dicts(blocks) if block["type"] == "section"]
    joined = "\n".join(mrkdwn)
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt; &gt; quorum?" in joined
    if closed:  # the reveal lists the options; the open question has them on its buttons only
        assert "A &amp; B" in joined and "&lt;b&gt;bold&lt;/b&gt;" in joined
    for text in mrkdwn:
        assert "<" not in text and ">" not in text
        assert "& " not in text
    # Button labels are plain_text: shown as typed, never escaped.
    if not closed:
        labels = {element["text"]["text"] for element in buttons(as_dicts(blocks))}
        assert {label.split(". ", 1)[1] for label in labels} == {"A & B", "<b>bold</b>"}


@pytest.mark.parametrize("render", ["daily", "closed", "practice"])
def test_fallback_text_is_escaped_too(render: str) -> None:
    question = make_question(["<!here> & co", "plain"], prompt="Who gets <!channel> pings & why?")
    lesson = make_lesson(question)
    if render == "daily":
        text, _ = render_daily_question(post_id=1, question=question, lesson=lesson)
    elif render == "closed":
        text, _ = render_closed_question(post_id=1, question=question, lesson=lesson, answered=0, correct=0)
    else:
        text, _ = render_private_question(kind=PRACTICE, question=question, lesson=lesson, seed=1)
    assert "<" not in text and ">" not in text
    assert "&amp;" in text


# -- the source under every explanation ------------------------------------------------------
LINKED = make_question(
    ["Leader election", "Load balancing"],
    source="Ongaro, 'Consensus' (2014), §6.4.1 <leases> & clocks",
    link="https://github.com/ongardie/dissertation",
)


def reply_blocks(question: Question) -> list[dict]:
    options = option_order(question, "post-5")
    _, blocks = render_answer_result(
        question=question, options=options, chosen=options[0], footer="🔥 Your streak: 1 day"
    )
    return as_dicts(blocks)


def reveal_blocks(question: Question) -> list[dict]:
    _, blocks = render_closed_question(
        post_id=5, question=question, lesson=make_lesson(question), answered=2, correct=1
    )
    return as_dicts(blocks)


@pytest.mark.parametrize("render", [reply_blocks, reveal_blocks], ids=["private-reply", "reveal"])
def test_the_source_with_its_link_sits_under_the_explanation(render) -> None:
    rendered = render(LINKED)
    explained = next(
        i for i, block in enumerate(rendered) if "Because of the right one." in json.dumps(block)
    )
    source = rendered[explained + 1]
    assert source["type"] == "context"
    # Slack's link syntax, the citation escaped so its < > & cannot start a link or mention.
    assert source["elements"][0]["text"] == (
        "📖 Source: <https://github.com/ongardie/dissertation|"
        "Ongaro, 'Consensus' (2014), §6.4.1 &lt;leases&gt; &amp; clocks>"
    )


@pytest.mark.parametrize("render", [reply_blocks, reveal_blocks], ids=["private-reply", "reveal"])
def test_a_source_without_a_link_is_shown_as_plain_text(render) -> None:
    question = make_question(["Leader election", "Load balancing"], source="A book <!here>, ch. 5")
    texts = [block["elements"][0]["text"] for block in render(question) if block["type"] == "context"]
    assert "📖 Source: A book &lt;!here&gt;, ch. 5" in texts
    assert not any("<" in text for text in texts)


def test_a_link_with_an_ampersand_is_escaped_inside_the_link() -> None:
    question = make_question(["a", "b"], source="Docs", link="https://example.org/page?a=1&b=2")
    assert source_line(question) == "📖 Source: <https://example.org/page?a=1&amp;b=2|Docs>"


def test_every_shipped_question_shows_its_source_in_the_reply_and_the_reveal() -> None:
    bank = load_bank()
    for question in bank.questions:
        for render in (reply_blocks, reveal_blocks):
            contexts = [b["elements"][0]["text"] for b in render(question) if b["type"] == "context"]
            assert source_line(question) in contexts, question.id
            assert len(source_line(question)) <= 3000


def test_a_retired_question_revealed_late_is_titled_as_retired() -> None:
    question = make_question(["Leader election", "Load balancing"], qid="q-old", retired=True)
    rendered = reveal_blocks(question)
    assert rendered[0]["text"]["text"] == "Retired question · Leases · closed"
