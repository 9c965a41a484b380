"""Footprint: start-up time and idle memory of `leader-quiz serve`.

    .venv/bin/python bench/footprint.py --db sqlite
    .venv/bin/python bench/footprint.py --db postgres --idle-seconds 10

Starts `leader-quiz serve` (gunicorn master + one gthread worker) against a fake Slack API
and a fresh database, and measures the time from process start to the first healthy
`GET /healthz` -- on the fresh database (migrations run at start) and again on the now
migrated one -- then, after `--idle-seconds` of idling, the resident memory (VmRSS) of the
master and the worker and their sum (the target), plus PSS (shared pages split between the
two, closer to what the pair really costs).

Checks (exit 1): /healthz answers 200 with status ok on both starts and reports the
database ok; serve stops cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Checks,
    clean_environment,
    machine_load,
    memory_kb,
    target,
    temporary_database,
)
from tests.support.processes import children_of

TARGET_START_S = 3.0
TARGET_RSS_MB = 120.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--idle-seconds", type=float, default=5.0, help="idle time before reading memory (size)"
    )
    parser.add_argument(
        "--starts",
        type=int,
        default=3,
        help="extra starts on the migrated database (0: only the first start)",
    )
    args = parser.parse_args(argv)
    clean_environment()
    print(f"machine at the start: {machine_load()}")

    from tests.support.fake_slack import FakeSlack
    from tests.support.servers import ServeProcess, app_env

    checks = Checks()
    with (
        FakeSlack() as fake,
        temporary_database(args.db, migrate=False) as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        env = app_env(api_url=fake.api_url, database_url=url, COUNT_UPDATE_SECONDS="5")
        timings: list[tuple[str, float]] = []
        memory: dict[str, dict[str, int]] = {}
        stops: list[float] = []
        for number in range(1 + max(0, args.starts)):
            label = "fresh database (migrations at start)" if number == 0 else "migrated database"
            serve = ServeProcess(env, Path(folder) / f"serve{number}.log")
            try:
                health = serve.wait_healthy(timeout=30)
                elapsed = time.monotonic() - serve.started_at
                timings.append((label, elapsed))
                checks.check(
                    health.get("status") == "ok" and health.get("database") == "ok",
                    f"healthy on the {label}",
                    f"{elapsed:.2f} s, {health}",
                )
                if number == min(1, args.starts):
                    time.sleep(args.idle_seconds)
                    workers = children_of(serve.process.pid)
                    memory["master"] = memory_kb(serve.process.pid)
                    memory["worker"] = memory_kb(workers[0]) if workers else {}
                    checks.check(len(workers) == 1, "one worker process", f"{len(workers)}")
            finally:
                stopping = time.monotonic()
                serve.stop()
                stops.append(time.monotonic() - stopping)
            checks.check(
                serve.process.returncode == 0, "stops cleanly on SIGTERM", f"exit {serve.process.returncode}"
            )

        print(f"\nfootprint, db {args.db}:")
        for label, elapsed in timings[:1]:
            print(f"  start to healthy, {label}: {elapsed:.2f} s")
        warm = [elapsed for label, elapsed in timings[1:]]
        if warm:
            print(
                f"  start to healthy, migrated database: best {min(warm):.2f} s, worst {max(warm):.2f} s "
                f"({len(warm)} starts)"
            )
        print(f"  SIGTERM to exit: worst {max(stops):.2f} s")
        master, worker = memory.get("master", {}), memory.get("worker", {})
        rss = (master.get("rss", 0) + worker.get("rss", 0)) / 1024
        pss = (master.get("pss", 0) + worker.get("pss", 0)) / 1024
        print(
            f"  idle after {args.idle_seconds:g} s: RSS master {master.get('rss', 0) / 1024:.1f} MB + worker "
            f"{worker.get('rss', 0) / 1024:.1f} MB = {rss:.1f} MB; PSS {master.get('pss', 0) / 1024:.1f} + "
            f"{worker.get('pss', 0) / 1024:.1f} = {pss:.1f} MB"
        )
        worst = max(elapsed for _, elapsed in timings)
        print("\ntargets (reported, not asserted):")
        print(f"  idle RSS sum {rss:.1f} MB (target < {TARGET_RSS_MB:.0f} MB): {target(rss < TARGET_RSS_MB)}")
        print(
            f"  start to healthy, worst {worst:.2f} s (target < {TARGET_START_S:.0f} s): {target(worst < TARGET_START_S)}"
        )
        print("\ncorrectness: see the checks above")
    print(f"machine at the end: {machine_load()}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
