"""Every benchmark at a tiny size, as a subprocess exactly as documented in bench/README.md:
its correctness checks must pass (exit 0). No timing is asserted here.

Each case runs on the database of this suite run: SQLite, or PostgreSQL when TEST_DATABASE_URL
names one (scripts/test runs the suite once on each; the PostgreSQL cases use the server named
by BENCH_PG_URL, default postgres on 127.0.0.1:5432, and are skipped when it does not answer)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = {
    # A 2 s count window: short enough to keep the run quick, long enough that the 10% spacing
    # tolerance is not eaten by scheduling jitter (a 1 s window was flaky before da720af).
    "click_burst": ["bench/click_burst.py", "--users", "50", "--count-seconds", "2"],
    # Open loop, stats commands and App Home openings mixed in, two workers per serve.
    "click_burst_open_loop": [
        "bench/click_burst.py",
        "--users",
        "50",
        "--count-seconds",
        "2",
        "--rate",
        "50",
        "--commands",
        "3",
        "--homes",
        "3",
        "--workers",
        "2",
        "--no-ceiling",
    ],
    "click_path": ["bench/click_path.py", "--users", "50"],
    "reminders_scale": ["bench/reminders_scale.py", "--people", "20", "--cards", "3", "--channels", "2"],
    "history_scale": [
        "bench/history_scale.py",
        "--users",
        "20",
        "--days",
        "3",
        "--stats-samples",
        "20",
        "--board-samples",
        "3",
    ],
    "fanout": ["bench/fanout.py", "--channels", "10", "--trigger", "catchup"],
    "footprint": ["bench/footprint.py", "--idle-seconds", "0", "--starts", "0"],
    "workspaces_fanout": [
        "bench/workspaces_fanout.py",
        "--workspaces",
        "4",
        "--channels",
        "2",
        "--trigger",
        "catchup",
    ],
}


def _postgres_reachable() -> bool:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    from bench.common import pg_admin_url

    try:
        engine = create_engine(pg_admin_url(), connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
POSTGRES = ON_POSTGRES and _postgres_reachable()


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_benchmark_checks_pass_at_a_tiny_size(name: str, db: str) -> None:
    if (db == "postgres") != ON_POSTGRES:
        pytest.skip("this suite run is on the other database (scripts/test runs both)")
    if db == "postgres" and not POSTGRES:
        pytest.skip("no PostgreSQL server at BENCH_PG_URL")
    command = [sys.executable, *CASES[name], "--db", db]
    result = subprocess.run(
        command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=180, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{output[-4000:]}"
    assert "all correctness checks passed" in result.stdout
