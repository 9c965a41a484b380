"""How long `leader-quiz stats --channel C --user U --json` takes, as a person at a terminal
waits for it: wall time of the whole process, against a database of a year of history.

    .venv/bin/python bench/cli_stats.py --db sqlite --users 10000 --days 365
    .venv/bin/python bench/cli_stats.py --db postgres --users 10000 --days 365

Seeds the history_scale database (bench/history_scale.py: one channel, `--days` quiz days,
`--users` people, about 3.6 million answers at full size), then runs the command `--runs`
times for random people (after one unmeasured run, so the files are in the page cache as on
any machine that ran it before) and reports the median. Target: under 300 ms.

Also timed, for comparison: `leader-quiz leaderboard --json` and `leader-quiz --help`
(the interpreter and the argument parser alone).

Checks (exit 1): every run exits 0 and prints the person's stats as JSON, equal to what the
service returns in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, TEAM, Checks, clean_environment, machine_load, target, temporary_database

TARGET_S = 0.300


def run(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    return time.perf_counter() - started, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    clean_environment()
    print(f"machine at the start: {machine_load()}")

    import datetime as dt

    from bench.history_scale import CHANNEL, Seeder, seed, user_id
    from bot.config import load_settings
    from bot.reading import build_reading
    from content import load_bank
    from tests.support.servers import app_env

    checks = Checks()
    with temporary_database(args.db) as url:
        seeder = Seeder(
            users=args.users, days=args.days, today=dt.datetime.now(dt.UTC).date(), bank=load_bank()
        )
        started = time.monotonic()
        seed(url, seeder, kind=args.db)
        print(
            f"seeded {seeder.total_answers:,} answers of {args.users} people over {args.days} quiz days "
            f"in {time.monotonic() - started:.1f} s ({args.db})"
        )
        env = {**os.environ, **app_env(api_url="http://127.0.0.1:9/api/", database_url=url)}
        env.pop("SLACK_BOT_TOKEN", None)  # as an operator runs it: no Slack needed to read stats
        rng = random.Random(11)
        people = [user_id(rng.randrange(args.users)) for _ in range(args.runs + 1)]
        timings: dict[str, list[float]] = {"stats": [], "leaderboard": [], "--help": []}
        outputs: list[tuple[str, subprocess.CompletedProcess[str]]] = []
        for index, person in enumerate(people):
            took, done = run(env, "stats", "--channel", CHANNEL, "--user", person, "--json")
            if index:  # the first run warms the page cache
                timings["stats"].append(took)
                outputs.append((person, done))
        for index in range(args.runs + 1):
            took, _ = run(
                env, "leaderboard", "--channel", CHANNEL, "--period", "month", "--limit", "10", "--json"
            )
            if index:
                timings["leaderboard"].append(took)
            took, _ = run(env, "--help")
            if index:
                timings["--help"].append(took)

        print(f"\nwall time of the whole process, median of {args.runs} runs (target for stats: < 300 ms):")
        for name, values in timings.items():
            median = statistics.median(values)
            verdict = f" -> {target(median < TARGET_S)}" if name == "stats" else ""
            print(
                f"  leader-quiz {name:<12} median {median * 1000:.0f} ms, min {min(values) * 1000:.0f} ms, "
                f"max {max(values) * 1000:.0f} ms{verdict}"
            )

        print("\ncorrectness:")
        reading = build_reading(
            load_settings({**env, "SLACK_BOT_TOKEN": "xoxb-offline"}, require_signing_secret=False)
        )
        wrong = []
        try:
            for person, done in outputs:
                want = reading.reports.stats(team_id=TEAM, channel_id=CHANNEL, user_id=person).as_json()
                if done.returncode != 0 or json.loads(done.stdout or "null") != want:
                    wrong.append(f"{person}: exit {done.returncode} {done.stderr.strip()[-200:]}")
        finally:
            reading.close()
        checks.check(
            not wrong, "every run printed the person's stats", wrong[0] if wrong else f"{len(outputs)} runs"
        )
    print(f"machine at the end: {machine_load()}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
