"""A team's own questions, without Slack: one question checked by the bank's own rules for a
form (each problem on its field), packs of lessons read with their lines and dumped back
unchanged, versions as hashes of what a player sees, and the form's draft checked with its
give-away cues."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.authoring import CORRECT_BLOCK, LESSON_BLOCK, NEW_LESSON_BLOCK, Draft, Standing, check_draft
from content import load_bank
from content.bank import check_fields, content_body, dump_pack, question_from_body, read_pack_file
from content.cues import giveaways

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "own-questions-example.yaml"

GOOD = {
    "question_id": "pg-1",
    "prompt": "Patroni on the primary cannot reach etcd for longer than the TTL. What does it do?",
    "options": [
        ("It demotes the primary to a replica", True),
        ("It keeps the primary serving writes", False),
        ("It restarts etcd for everyone", False),
    ],
    "explanation": "A primary that cannot renew its leader key demotes itself, so two primaries never take writes.",
    "source": "Patroni documentation, 'Replication modes'",
    "link": "https://patroni.readthedocs.io/",
}


def test_a_question_is_checked_by_the_banks_rules_with_each_problem_on_its_field() -> None:
    question, problems = check_fields(**GOOD)  # type: ignore[arg-type]
    assert problems == {} and question is not None and question.correct_index == 0
    bad = {
        **GOOD,
        "prompt": "",
        "options": [("It demotes the primary", True), ("it demotes the primary!", False)],
        "source": "TODO find the page",
        "link": "http://insecure.example",
        "explanation": "Because of reasons that never say it.",
    }
    _, problems = check_fields(**bad)  # type: ignore[arg-type]
    assert set(problems) == {"prompt", "option_2", "source", "link", "explanation"}
    assert "same as option 1" in problems["option_2"]
    assert "drafting note" in problems["source"]
    _, problems = check_fields(**{**GOOD, "prompt": "See https://wiki.example/failover for the answer?"})  # type: ignore[arg-type]
    assert "holds a link" in problems["prompt"]


def test_the_shipped_bank_holds_no_link_in_its_texts() -> None:
    assert load_bank().questions  # the rule that refuses a URL in a text field passes the bank


def test_a_pack_file_holds_several_lessons_and_names_its_lines(tmp_path: Path) -> None:
    found = read_pack_file(EXAMPLE)
    assert found.problems == []
    assert [lesson.id for lesson in found.lessons] == ["our-postgres", "our-scheduler"]
    text = EXAMPLE.read_text().splitlines()
    for question_id, line in found.lines.items():
        assert text[line - 1].strip() == f"- id: {question_id}"
    broken = tmp_path / "broken.yaml"
    lines = EXAMPLE.read_text().replace("        correct: true\n", "", 1)
    lines = lines.replace("id: sched-lease", "id: pg-sync")
    broken.write_text(lines)
    problems = read_pack_file(broken).problems
    assert any("exactly one option must be correct" in p for p in problems)
    assert any("question id 'pg-sync' is also used on line" in p for p in problems)
    assert all(p.startswith(f"{broken}:") or p.startswith("broken.yaml:") or ":" in p for p in problems)


def test_a_pack_dumps_back_to_the_same_lessons(tmp_path: Path) -> None:
    lessons = read_pack_file(EXAMPLE).lessons
    dumped = tmp_path / "again.yaml"
    dumped.write_text(dump_pack(lessons))
    again = read_pack_file(dumped)
    assert again.problems == []
    assert [(ls.id, ls.title, ls.goal, ls.questions) for ls in again.lessons] == [
        (ls.id, ls.title, ls.goal, ls.questions) for ls in lessons
    ]
    assert dump_pack(again.lessons) == dumped.read_text()


def test_a_version_is_what_a_player_sees() -> None:
    question = load_bank().questions[0]
    assert len(question.version) == 12 and question.version == load_bank().questions[0].version
    rebuilt = question_from_body(
        content_body(question), question_id=question.id, lesson_id=question.lesson_id, position=1
    )
    assert rebuilt == question and rebuilt.version == question.version
    moved = question_from_body(content_body(question), question_id="other", lesson_id="elsewhere", position=9)
    assert moved.version == question.version  # where it sits is not part of it
    body = {**content_body(question), "explanation": question.explanation + " Also this."}
    edited = question_from_body(body, question_id=question.id, lesson_id=question.lesson_id, position=1)
    assert edited.version != question.version


def draft(**changes: object) -> Draft:
    base = Draft(
        new_lesson="Our Postgres",
        prompt=GOOD["prompt"],  # type: ignore[arg-type]
        options=(
            "It demotes the primary to a replica",
            "It keeps the primary serving writes",
            "It restarts etcd",
        ),
        correct=1,
        explanation=GOOD["explanation"],  # type: ignore[arg-type]
        source=GOOD["source"],  # type: ignore[arg-type]
        link=GOOD["link"],  # type: ignore[arg-type]
    )
    return Draft(**{**base.as_json(), "options": base.options, **changes})  # type: ignore[arg-type]


def test_the_form_is_checked_with_its_problems_on_its_blocks() -> None:
    assert check_draft(draft(), question_id="pg-1").errors == {}
    assert set(check_draft(draft(new_lesson=""), question_id="pg-1").errors) == {LESSON_BLOCK}
    assert set(check_draft(draft(lesson_id="ours"), question_id="pg-1").errors) == {NEW_LESSON_BLOCK}
    assert set(check_draft(draft(correct=None), question_id="pg-1").errors) >= {CORRECT_BLOCK}
    gap = check_draft(draft(options=("a one", "", "a three")), question_id="pg-1").errors
    assert "in order" in gap["option_2"]
    assert "Option 4 is empty" in check_draft(draft(correct=4), question_id="pg-1").errors[CORRECT_BLOCK]
    linked = check_draft(draft(explanation=GOOD["explanation"] + " See www.example.org"), question_id="x")
    assert "holds a link" in linked.errors["explanation"]


def test_a_give_away_is_a_field_error_unless_posted_anyway() -> None:
    cue = draft(
        options=(
            "It demotes the primary to a replica once the leader key it holds in etcd has expired",
            "It keeps going",
            "It restarts",
        )
    )
    checked = check_draft(cue, question_id="pg-1")
    assert checked.question is None and "only long one" in checked.errors["option_1"]
    assert (
        check_draft(
            Draft(**{**cue.as_json(), "options": cue.options, "anyway": True}), question_id="pg-1"
        ).errors
        == {}
    )
    fair = check_draft(draft(), question_id="pg-1").question
    assert fair is not None and giveaways(fair) == []


@pytest.mark.parametrize(
    ("standing", "suggest", "author", "said"),
    [
        (Standing(known=True, admin=True), True, True, ""),
        (Standing(known=True), True, False, "Only workspace admins"),
        (Standing(known=True, admin=True, guest=True), False, False, "Guests cannot"),
        (Standing(known=True, admin=True, external=True), False, False, "other organisations"),
        (Standing(known=False), False, False, "could not tell"),
    ],
)
def test_who_may_write_and_suggest(standing: Standing, suggest: bool, author: bool, said: str) -> None:
    assert (standing.may_suggest, standing.may_author) == (suggest, author)
    assert said in standing.refusal("write questions")
