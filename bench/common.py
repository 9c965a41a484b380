"""Shared helpers for the benchmarks: the repository on sys.path, throwaway databases,
percentiles, process memory, and a clean environment (no HTTP proxies: slack_sdk honours
HTTP(S)_PROXY but not NO_PROXY, and all traffic here is on loopback)."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEAM = "T0001"


def clean_environment() -> None:
    for name in PROXY_VARS:
        os.environ.pop(name, None)


def pg_admin_url() -> str:
    return os.environ.get("BENCH_PG_URL", "").strip() or DEFAULT_PG_ADMIN_URL


@contextlib.contextmanager
def temporary_database(kind: str, *, migrate: bool = True) -> Iterator[str]:
    """A fresh database URL: a SQLite file in a temporary folder, or a new PostgreSQL database
    (on BENCH_PG_URL's server) that is dropped afterwards."""
    from db.migrate import upgrade

    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lq-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            if migrate:
                upgrade(url)
            yield url
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = pg_admin_url()
    name = f"lq_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(values: Sequence[float]) -> str:
    """p50 / p95 / p99 / max of seconds, in milliseconds."""
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 50) * 1000:.1f} ms, p95 {percentile(values, 95) * 1000:.1f} ms, "
        f"p99 {percentile(values, 99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms, "
        f"mean {statistics.fmean(values) * 1000:.1f} ms"
    )


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and (when readable) Pss of a process, in kB."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1])
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss"] = int(line.split()[1])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class Checks:
    """Correctness checks: each printed as it is made; any failure makes the exit code 1."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, ok: bool, label: str, detail: str = "") -> bool:
        mark = "ok  " if ok else "FAIL"
        print(f"  [{mark}] {label}{': ' + detail if detail else ''}", flush=True)
        if not ok:
            self.failed.append(label)
        return ok

    def exit_code(self) -> int:
        if self.failed:
            print(f"\n{len(self.failed)} correctness check(s) failed: {', '.join(self.failed)}", flush=True)
            return 1
        print("\nall correctness checks passed", flush=True)
        return 0


def target(ok: bool) -> str:
    return "met" if ok else "MISSED"


def machine_load() -> str:
    """The 1-minute load average: figures taken while other work runs on the 2 cores are noisy."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def check_serve_log(checks: Checks, log_text: str, name: str) -> None:
    """No ERROR record or traceback in a serve log; on failure the log is kept for reading."""
    lines = log_text.splitlines()
    errors = [i for i, line in enumerate(lines) if " ERROR " in line or "Traceback" in line]
    detail = ""
    if errors:
        kept = Path(tempfile.gettempdir()) / f"leader-quiz-{name}-{os.getpid()}.log"
        kept.write_text(log_text)
        first = errors[0]
        detail = f"{len(errors)} error line(s), log kept at {kept}; first:\n      " + "\n      ".join(
            lines[first : first + 25]
        )
    checks.check(not errors, "no errors in the serve log", detail)
