"""`leader-quiz content import|export|list` and `lessons use` (SPEC §12): a pack checked exactly as
the shipped bank is (`file:line: problem`, exit 1, nothing imported from a file with a problem),
its blind-strategy figures shown and its limits kept from 10 questions of its own; importing
again changes nothing; export round-trips; the README's example pack imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "own-questions-example.yaml"
TEAM = "T0001"


def cli(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def listed(env: dict[str, str], team: str = TEAM) -> dict[str, dict]:
    done = cli(env, "content", "list", "--team", team, "--json")
    assert done.returncode == 0, done.stderr
    return {q["local_id"]: q for q in json.loads(done.stdout)["questions"]}


def lesson(lesson_id: str, questions: list[dict]) -> dict:
    return {
        "id": lesson_id,
        "title": f"Lesson {lesson_id}",
        "goal": "What we should know.",
        "questions": questions,
    }


def question(question_id: str, *, right: str, wrong: list[str], why: str | None = None) -> dict:
    return {
        "id": question_id,
        "difficulty": 2,
        "source": "Our runbook, section 'Failover'",
        "prompt": f"During the drill for {question_id}, which step comes first?",
        "options": [{"text": right, "correct": True}, *({"text": text} for text in wrong)],
        "explanation": why or f"{right}: that is the first step, and the others come later or never.",
    }


def test_the_example_pack_imports_and_round_trips(env: dict[str, str], tmp_path: Path) -> None:
    first = cli(env, "content", "import", str(EXAMPLE), "--team", TEAM)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "blind strategy" in first.stdout and "lesson 01 our-postgres" in first.stdout
    assert "imported 2 lessons into T0001: 4 new, 0 changed, 0 unchanged questions" in first.stdout
    again = cli(env, "content", "import", str(EXAMPLE), "--team", TEAM)
    assert "0 new, 0 changed, 4 unchanged" in again.stdout  # idempotent on ids
    exported = cli(env, "content", "export", "--team", TEAM)
    assert exported.returncode == 0 and exported.stdout.startswith("---")
    pack = tmp_path / "ours.yaml"
    pack.write_text(exported.stdout)
    before = listed(env)
    reimported = cli(env, "content", "import", str(pack), "--team", TEAM)
    assert "0 new, 0 changed, 4 unchanged" in reimported.stdout, reimported.stdout
    assert listed(env) == before  # import -> export -> import: identical
    assert cli(env, "content", "export", "--team", TEAM).stdout == exported.stdout
    documents = list(yaml.safe_load_all(exported.stdout))
    assert [d["id"] for d in documents] == ["our-postgres", "our-scheduler"]
    assert set(before) == {"pg-leader-key", "pg-fencing", "pg-sync", "sched-lease"}
    assert before["pg-leader-key"]["id"] == "own/T0001/pg-leader-key"
    # Another workspace has none of them.
    assert listed(env, "T0002") == {}
    assert cli(env, "content", "export", "--team", "T0002").stdout == ""


def test_a_changed_question_gets_a_new_version_and_a_retired_one_stays(
    env: dict[str, str], tmp_path: Path
) -> None:
    pack = tmp_path / "pack.yaml"
    questions = [
        question(
            "drill-1", right="Check the leader key in etcd", wrong=["Reboot the primary", "Page the CTO"]
        ),
        question("drill-2", right="Read the Patroni log", wrong=["Drop the replica", "Restore a backup"]),
    ]
    pack.write_text(yaml.safe_dump(lesson("drills", questions), sort_keys=False))
    assert cli(env, "content", "import", str(pack), "--team", TEAM).returncode == 0
    first = listed(env)
    questions[0]["explanation"] = "Check the leader key in etcd first: it tells who leads, and for how long."
    retired = questions.pop(1)
    retired["replaced_by"] = "drill-1"
    pack.write_text(yaml.safe_dump({**lesson("drills", questions), "retired": [retired]}, sort_keys=False))
    done = cli(env, "content", "import", str(pack), "--team", TEAM)
    assert "0 new, 2 changed, 0 unchanged" in done.stdout, done.stdout
    now = listed(env)
    assert now["drill-1"]["version"] != first["drill-1"]["version"] and now["drill-1"]["versions"] == 2
    assert now["drill-2"]["retired"] and now["drill-2"]["version"] == first["drill-2"]["version"]
    exported = cli(env, "content", "export", "--team", TEAM).stdout
    assert "retired:" in exported and "replaced_by: drill-1" in exported


def test_a_file_with_a_problem_is_not_imported_and_the_others_are(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    good = lesson("good", [question("good-1", right="Check the lease holder", wrong=["Restart all", "Wait"])])
    (folder / "a-good.yaml").write_text(yaml.safe_dump(good, sort_keys=False))
    broken = question("bad-1", right="Fence the old writer", wrong=["Trust it", "Ignore it"])
    broken["options"][0].pop("correct")
    linked = question("bad-2", right="Look at the dashboard", wrong=["Guess", "Ask around"])
    linked["prompt"] = "Where is https://grafana.example/d/failover when the leader changes?"
    (folder / "b-bad.yaml").write_text(yaml.safe_dump(lesson("bad", [broken, linked]), sort_keys=False))
    done = cli(env, "content", "import", str(folder), "--team", TEAM, cwd=tmp_path)
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if line.startswith("pack/b-bad.yaml:")]
    assert any("question bad-1: exactly one option must be correct, found 0" in line for line in lines), (
        done.stdout
    )
    assert any("question bad-2: `prompt` holds a link" in line for line in lines), done.stdout
    for line in lines:  # file:line: problem, the line being the problem's own
        number = int(line.split(":")[1])
        assert 1 <= number <= len((folder / "b-bad.yaml").read_text().splitlines())
    assert "not imported (fix the lines above): pack/b-bad.yaml" in done.stdout
    assert set(listed(env)) == {"good-1"}


def test_from_ten_questions_of_its_own_the_pack_keeps_the_cue_limits(
    env: dict[str, str], tmp_path: Path
) -> None:
    def telling(n: int) -> dict:  # the right option always the longest: a cue
        return question(
            f"cue-{n}",
            right=f"Check which node holds the leader lease in etcd before anything else, step {n}",
            wrong=["Reboot it", "Wait a bit"],
            why=f"Check which node holds the leader lease in etcd first (step {n}).",
        )

    nine = tmp_path / "nine.yaml"
    nine.write_text(yaml.safe_dump(lesson("cues", [telling(n) for n in range(9)]), sort_keys=False))
    shown = cli(env, "content", "import", str(nine), "--team", TEAM)
    assert shown.returncode == 0 and "100.0%" in shown.stdout  # figures shown, limits not yet kept
    ten = tmp_path / "ten.yaml"
    ten.write_text(yaml.safe_dump(lesson("more-cues", [telling(9)]), sort_keys=False))
    refused = cli(env, "content", "import", str(ten), "--team", TEAM)
    assert refused.returncode == 1
    assert (
        "cue: `longest` is right on 100.0% of your own questions (10 questions), over the limit of 30%"
        in refused.stdout
    )
    assert "nothing imported" in refused.stdout
    assert len(listed(env)) == 9


def test_lessons_use_on_the_command_line(env: dict[str, str]) -> None:
    done = cli(env, "lessons", "use", "both", "--channel", "CQUIZ", "--team", TEAM)
    assert (
        done.returncode == 0
        and "follows both" in done.stdout
        and "no questions of its own yet" in done.stdout
    )
    bad = cli(env, "lessons", "use", "everything", "--channel", "CQUIZ", "--team", TEAM)
    assert bad.returncode == 2
