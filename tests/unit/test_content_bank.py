"""The question bank: the shipped lessons load, the seed lesson is lesson 1, shipped ids stay,
and the validator reports each problem as `file:line: problem` on the right line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from content import Bank, ContentError, load_bank
from content.bank import LESSONS_DIR, MAX_OPTION_CHARS, MAX_PROMPT_CHARS

REPO = Path(__file__).resolve().parents[2]
SHIPPED_IDS = Path(__file__).with_name("shipped_question_ids.txt")
BASICS = "01-basics.yaml"
LEASES = "02-leases-and-clocks.yaml"


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


# -- the shipped bank ------------------------------------------------------------------------
def test_the_shipped_bank_loads(bank: Bank) -> None:
    assert len(bank.lessons) >= 10
    assert len(bank.questions) >= 70
    assert [lesson.number for lesson in bank.lessons] == list(range(1, len(bank.lessons) + 1))
    ids = [q.id for q in bank.questions]
    assert len(ids) == len(set(ids))
    for question in bank.questions:
        assert 2 <= len(question.options) <= 5
        assert sum(option.correct for option in question.options) == 1
        assert question.difficulty in (1, 2, 3)
        assert question.source and question.prompt and question.explanation
        assert bank.question(question.id) is question


def test_lesson_one_is_the_seed_lesson(bank: Bank) -> None:
    seed = bank.lessons[0]
    assert (seed.id, seed.number, seed.title) == ("basics", 1, "Leader election basics")
    assert [q.id for q in seed.questions] == [f"basics-{n}" for n in range(1, 6)]
    assert [q.position for q in seed.questions] == [1, 2, 3, 4, 5]
    # SPEC §5 seed answer key: the correct idea, and the tempting wrong one still offered.
    key = {
        "basics-1": ("leader election", "load balancing"),
        "basics-2": ("time-bound lease", "permanent leadership"),
        "basics-3": ("heartbeat-based failure detection", "a read replica"),
        "basics-4": ("monotonically increasing fencing token", "without any fencing token"),
        "basics-5": ("fails over automatically", "just as safe"),
    }
    for question in seed.questions:
        right, wrong = key[question.id]
        correct = question.options[question.correct_index].text.lower()
        assert right in correct, question.id
        assert any(wrong in o.text.lower() and not o.correct for o in question.options), question.id


def test_every_question_id_that_ever_shipped_still_exists(bank: Bank) -> None:
    shipped = [line.strip() for line in SHIPPED_IDS.read_text().splitlines() if line.strip()]
    assert len(shipped) >= 70
    missing = [question_id for question_id in shipped if bank.question(question_id) is None]
    assert missing == [], "answers reference these ids: never rename or delete a shipped question"


# -- broken copies -----------------------------------------------------------------------------
def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of two shipped lessons (enough for a duplicate across files, and quick to load)
    with one exact, unique text replaced in `file`."""
    directory = tmp_path / "lessons"
    if not directory.exists():
        directory.mkdir()
        for name in (BASICS, LEASES):
            shutil.copyfile(LESSONS_DIR / name, directory / name)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not unique in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return directory


def section(file: str, start: str, end: str) -> str:
    """The shipped text of `file` from `start` up to (not including) `end`."""
    text = (LESSONS_DIR / file).read_text(encoding="utf-8")
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def line_of(directory: Path, file: str, needle: str) -> int:
    """The 1-based line of the one line in `file` that contains `needle`."""
    lines = [n for n, line in enumerate((directory / file).read_text().splitlines(), 1) if needle in line]
    assert len(lines) == 1, f"{needle!r} is on lines {lines}"
    return lines[0]


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as error:
        load_bank(directory)
    return error.value.problems


def assert_one_problem(directory: Path, file: str, line: int, *words: str) -> str:
    problems = problems_of(directory)
    assert len(problems) == 1, problems
    prefix = f"{directory / file}:{line}: "
    assert problems[0].startswith(prefix), (problems[0], prefix)
    for word in words:
        assert word in problems[0]
    return problems[0]


BASICS_1_OPTIONS = """      - text: Leader election
        correct: true
      - text: Load balancing
      - text: Service discovery
      - text: Data sharding
"""


def test_duplicate_question_id_across_files(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, LEASES, "  - id: leases-and-clocks-1\n", "  - id: basics-3\n")
    line = line_of(directory, LEASES, "- id: basics-3")
    first = line_of(directory, BASICS, "- id: basics-3")
    problem = assert_one_problem(directory, LEASES, line, "'basics-3'")
    assert problem.endswith(f"{directory / BASICS}:{first}")


def test_duplicate_question_id_in_one_file(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, BASICS, "  - id: basics-4\n", "  - id: basics-2\n")
    lines = (directory / BASICS).read_text().splitlines()
    first, second = (n for n, line in enumerate(lines, 1) if line == "  - id: basics-2")
    problem = assert_one_problem(directory, BASICS, second, "'basics-2'")
    assert problem.endswith(f"{directory / BASICS}:{first}")


def test_duplicate_lesson_id(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, LEASES, "id: leases-and-clocks\n", "id: basics\n")
    assert_one_problem(directory, LEASES, 3, "lesson id 'basics'")


def test_no_correct_option(tmp_path: Path) -> None:
    directory = broken_copy(
        tmp_path, BASICS, BASICS_1_OPTIONS, BASICS_1_OPTIONS.replace("        correct: true\n", "")
    )
    assert_one_problem(directory, BASICS, 14, "basics-1", "exactly one option must be correct, found 0")


def test_two_correct_options(tmp_path: Path) -> None:
    directory = broken_copy(
        tmp_path,
        BASICS,
        BASICS_1_OPTIONS,
        BASICS_1_OPTIONS.replace("Load balancing\n", "Load balancing\n        correct: true\n"),
    )
    assert_one_problem(directory, BASICS, 14, "basics-1", "found 2")


@pytest.mark.parametrize(
    ("options", "count"),
    [
        ("      - text: Leader election\n        correct: true\n", 1),
        (BASICS_1_OPTIONS + "      - text: Gossip membership\n      - text: Consistent hashing\n", 6),
    ],
)
def test_too_few_or_too_many_options(tmp_path: Path, options: str, count: int) -> None:
    directory = broken_copy(tmp_path, BASICS, BASICS_1_OPTIONS, options)
    assert_one_problem(directory, BASICS, 14, "basics-1", f"needs 2-5 options, found {count}")


def test_two_options_alike(tmp_path: Path) -> None:
    directory = broken_copy(
        tmp_path, BASICS, "      - text: Data sharding\n", "      - text: LOAD  balancing!\n"
    )
    line = line_of(directory, BASICS, "LOAD  balancing!")
    assert_one_problem(directory, BASICS, line, "basics-1", "option 4 is the same as option 2")


def test_over_long_prompt(tmp_path: Path) -> None:
    long_prompt = "Which of these " + "very " * (MAX_PROMPT_CHARS // 5) + "long things?"
    prompt = section(BASICS, "    prompt: >-\n      During a design review", "    options:")
    directory = broken_copy(tmp_path, BASICS, prompt, f"    prompt: {long_prompt}\n")
    line = line_of(directory, BASICS, "    prompt: Which of these very")
    assert_one_problem(directory, BASICS, line, "basics-2", "`prompt`", f"limit of {MAX_PROMPT_CHARS}")


def test_over_long_option(tmp_path: Path) -> None:
    long_option = "Service discovery " + "x" * MAX_OPTION_CHARS
    directory = broken_copy(
        tmp_path, BASICS, "      - text: Service discovery\n", f"      - text: {long_option}\n"
    )
    line = line_of(directory, BASICS, "- text: Service discovery xxx")
    assert_one_problem(directory, BASICS, line, "basics-1 option 3", f"limit of {MAX_OPTION_CHARS}")


def test_missing_source(tmp_path: Path) -> None:
    source = section(BASICS, '    source: "Ongaro & Ousterhout', "    prompt:")
    directory = broken_copy(tmp_path, BASICS, source, "")
    line = line_of(directory, BASICS, "- id: basics-3")
    assert_one_problem(directory, BASICS, line, "basics-3", "`source` must be non-empty text")


@pytest.mark.parametrize("value", ["4", "0", "hard", "true", "2.0", '"2"'])
def test_bad_difficulty(tmp_path: Path, value: str) -> None:
    directory = broken_copy(
        tmp_path,
        BASICS,
        "  - id: basics-2\n    difficulty: 1\n",
        f"  - id: basics-2\n    difficulty: {value}\n",
    )
    line = line_of(directory, BASICS, f"difficulty: {value}")
    assert_one_problem(directory, BASICS, line, "basics-2", "`difficulty` must be one of 1, 2, 3")


def test_explanation_that_never_names_the_correct_idea(tmp_path: Path) -> None:
    explanation = section(BASICS, "    explanation: >-\n      Leader election is", "\n\n  - id: basics-2")
    directory = broken_copy(
        tmp_path,
        BASICS,
        explanation,
        "    explanation: >-\n      It is what the prompt describes; the other choices are unrelated.",
    )
    line = line_of(directory, BASICS, "It is what the prompt describes") - 1
    assert_one_problem(directory, BASICS, line, "basics-1", "never names the correct answer's idea")


def test_invalid_yaml(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, BASICS, "title: Leader election basics\n", "title: Leader: election\n")
    line = line_of(directory, BASICS, "title: Leader: election")
    assert_one_problem(directory, BASICS, line, "not valid YAML", "mapping values are not allowed")


def test_invalid_yaml_bad_indentation(tmp_path: Path) -> None:
    directory = broken_copy(
        tmp_path, LEASES, "  - id: leases-and-clocks-2\n", "  - id: leases-and-clocks-2\n   oops: 1\n"
    )
    line = line_of(directory, LEASES, "   oops: 1")
    assert_one_problem(directory, LEASES, line, "not valid YAML")


def test_a_question_that_is_not_a_mapping_is_reported_on_its_line(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, BASICS, "questions:\n", "questions:\n  - just a string\n")
    assert_one_problem(directory, BASICS, line_of(directory, BASICS, "- just a string"), "must be a mapping")


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    broken_copy(
        tmp_path, BASICS, "  - id: basics-2\n    difficulty: 1\n", "  - id: basics-2\n    difficulty: 9\n"
    )
    directory = broken_copy(tmp_path, LEASES, "  - id: leases-and-clocks-1\n", "  - id: basics-3\n")
    problems = problems_of(directory)
    assert len(problems) == 2
    assert problems[0].startswith(f"{directory / BASICS}:30: ")
    assert problems[1].startswith(f"{directory / LEASES}:7: ")


def test_an_empty_folder_is_reported(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert len(problems) == 1 and "no lesson files" in problems[0]


# -- `leader-quiz content check` ------------------------------------------------------------------
def entry_points() -> list[list[str]]:
    script = Path(sys.executable).with_name("leader-quiz")
    return [[str(script)], [sys.executable, "-m", "bot"]]


def run_check(command: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "content", "check", *extra], cwd=REPO, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", entry_points(), ids=["console-script", "python-m-bot"])
def test_content_check_passes_on_the_shipped_bank(command: list[str], bank: Bank) -> None:
    result = run_check(command)
    assert result.returncode == 0, result.stdout + result.stderr
    # The blind-strategy figures come first (tests/unit/test_content_cues.py), the verdict last.
    assert (
        result.stdout.splitlines()[-1] == f"ok: {len(bank.lessons)} lessons, {len(bank.questions)} questions"
    )
    assert run_check(command, "--path", str(LESSONS_DIR)).returncode == 0


def test_content_check_exits_1_printing_file_line_problems(tmp_path: Path) -> None:
    broken_copy(
        tmp_path, BASICS, "  - id: basics-2\n    difficulty: 1\n", "  - id: basics-2\n    difficulty: 9\n"
    )
    directory = broken_copy(tmp_path, LEASES, "  - id: leases-and-clocks-1\n", "  - id: basics-3\n")
    expected = problems_of(directory)
    result = run_check(entry_points()[0], "--path", str(directory))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == expected
    assert [line.split(":")[1] for line in expected] == ["30", "7"]
