"""Blind strategies over the question bank: each strategy on hand-built questions (ties split the
credit), the limits, the shipped bank within them, and `leader-quiz content check` printing the
figures and failing on a bank whose answers are always the longest option."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from content import Bank, Lesson, Option, Question, load_bank
from content.bank import LESSONS_DIR
from content.cues import BANK_LIMIT, LESSON_LIMIT, STRATEGIES, credit, measure, share, stems

REPO = Path(__file__).resolve().parents[2]


def question(options: list[str], correct: int = 0, prompt: str = "Which one?", qid: str = "q-1") -> Question:
    return Question(
        id=qid,
        lesson_id="l",
        position=1,
        prompt=prompt,
        options=tuple(Option(text=text, correct=i == correct) for i, text in enumerate(options)),
        explanation="Because.",
        difficulty=1,
        source="A source",
    )


def bank_of(*lessons: list[Question]) -> Bank:
    return Bank(
        lessons=tuple(
            Lesson(id=f"l{n}", number=n, title=f"Lesson {n}", goal="Goal.", questions=tuple(qs))
            for n, qs in enumerate(lessons, start=1)
        )
    )


# -- each strategy on one question -----------------------------------------------------------------
def test_longest_scores_one_when_the_answer_is_the_longest_and_zero_otherwise() -> None:
    assert credit(question(["the longest option", "short", "tiny", "wee"]), STRATEGIES["longest"]) == 1
    assert credit(question(["short", "the longest option", "tiny", "wee"]), STRATEGIES["longest"]) == 0


def test_ties_split_the_credit() -> None:
    # Two options share the top length: a player who picks among them is right half the time.
    tied = question(["aaaa", "bbbb", "c", "d"])
    assert credit(tied, STRATEGIES["longest"]) == 0.5
    # Options all alike in a respect: the strategy is as good as a guess.
    assert credit(question(["aa", "bb", "cc", "dd"], correct=2), STRATEGIES["longest"]) == 0.25


def test_shortest_picks_the_shortest() -> None:
    assert credit(question(["a", "bbbb", "cccc", "dddd"]), STRATEGIES["shortest"]) == 1


def test_prompt_overlap_counts_shared_stems_not_stopwords() -> None:
    prompt = "The leader must keep renewing its lease. What should it do?"
    q = question(["Renewal of the lease", "Do it with the other one", "Restart", "Wait"], prompt=prompt)
    # "renewal" meets "renewing" through the stem "renew"; "the", "it", "do" are stopwords.
    assert stems("renewal") == stems("renewing") == {"renew"}
    assert credit(q, STRATEGIES["prompt_overlap"]) == 1
    q_stop = question(["Wait", "Do it with the other one", "Restart", "Pause"], prompt=prompt, correct=1)
    assert credit(q_stop, STRATEGIES["prompt_overlap"]) == 0.25


def test_specific_prefers_numbers_names_and_code() -> None:
    q = question(["Set ttl to 30s in Patroni", "Make it longer", "Wait a bit", "Ask someone"])
    assert credit(q, STRATEGIES["specific"]) == 1
    code = question(["a plain idea", "call takeLeadership() again", "another idea", "one more"], correct=1)
    assert credit(code, STRATEGIES["specific"]) == 1


def test_hedged_prefers_the_softened_claim() -> None:
    q = question(["It may still be alive", "It has crashed", "It was removed", "It is partitioned"])
    assert credit(q, STRATEGIES["hedged"]) == 1


def test_convergence_prefers_the_option_most_like_the_others() -> None:
    q = question(
        [
            "ephemeral sequential lowest leads",
            "persistent sequential lowest leads",
            "ephemeral sequential highest leads",
            "random names chosen freely",
        ]
    )
    assert credit(q, STRATEGIES["convergence"]) == 1


# -- shares and limits -----------------------------------------------------------------------------
def always_longest(n: int) -> list[Question]:
    return [question(["the right and longest answer", "wrong", "nope", "no"], qid=f"q-{i}") for i in range(n)]


def varied(n: int) -> list[Question]:
    """Questions where the answer takes each position in length order in turn: no length cue."""
    options = ["aaaa aaaa", "bbbb bbbb bb", "cccc cccc cccc", "dddd dddd dddd dd"]
    return [question(options, correct=i % 4, qid=f"v-{i}") for i in range(n)]


def test_share_is_the_mean_credit() -> None:
    assert share(always_longest(3) + varied(4), STRATEGIES["longest"]) == pytest.approx((3 + 1) / 7)


def test_a_bank_whose_answer_is_always_longest_fails_with_the_figures() -> None:
    report = measure(bank_of(always_longest(4), varied(8)))
    problems = report.problems()
    assert any("`longest`" in p and "the bank" in p and f"{BANK_LIMIT:.0%}" in p for p in problems), problems
    assert any("`longest`" in p and "lesson 01" in p and "100.0%" in p for p in problems), problems
    # The second lesson has no cue of its own.
    assert not any("lesson 02" in p for p in problems), problems


def test_one_cued_lesson_fails_even_when_the_bank_is_within_its_limit() -> None:
    report = measure(bank_of(always_longest(3), varied(48)))
    assert report.bank.shares["longest"] <= BANK_LIMIT
    problems = report.problems()
    assert problems and all("lesson 01" in p and "`longest`" in p for p in problems), problems


def test_the_table_has_a_row_for_the_bank_and_each_lesson() -> None:
    lines = measure(bank_of(varied(4), varied(8))).table()
    assert all(name in lines[0] for name in STRATEGIES)
    assert (
        lines[1].startswith("the bank")
        and lines[2].startswith("lesson 01")
        and lines[3].startswith("lesson 02")
    )
    assert lines[-1] == f"limits: {BANK_LIMIT:.0%} of the bank, {LESSON_LIMIT:.0%} of any lesson"


def test_the_shipped_bank_has_no_cue_over_its_limits_with_margin() -> None:
    report = measure(load_bank())
    assert report.problems() == []
    for name, value in report.bank.shares.items():
        assert value <= 0.28, (name, value)


# -- `leader-quiz content check` --------------------------------------------------------------------
def run_check(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_content_check_prints_the_figures_and_passes_on_the_shipped_bank() -> None:
    bank = load_bank()
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("blind strategy") and all(name in lines[0] for name in STRATEGIES)
    assert lines[1].startswith("the bank ")
    for lesson in bank.lessons:
        assert any(line.startswith(f"lesson {lesson.number:02d} {lesson.id} ") for line in lines), lesson.id
    assert lines[-1].startswith(f"ok: {len(bank.lessons)} lessons, {len(bank.questions)} questions")


def longest_answers_copy(tmp_path: Path) -> Path:
    """A copy of the shipped lessons where every correct option is made the longest one."""
    directory = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, directory)
    for path in directory.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in data["questions"]:
            longest = max(len(" ".join(option["text"].split())) for option in raw["options"])
            for option in raw["options"]:
                if option.get("correct"):
                    text = " ".join(option["text"].split())
                    option["text"] = text + " -" * ((longest - len(text)) // 2 + 2)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return directory


def test_content_check_fails_printing_the_figures_when_answers_are_longest(tmp_path: Path) -> None:
    directory = longest_answers_copy(tmp_path)
    assert measure(load_bank(directory)).bank.shares["longest"] == 1.0
    result = run_check("--path", str(directory))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("blind strategy") and lines[1].startswith("the bank ")
    assert "100.0%" in lines[1]
    assert any(line.startswith("cue: `longest` is right on 100.0% of the bank") for line in lines), lines
    assert not any(line.startswith("ok:") for line in lines)
