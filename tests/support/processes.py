"""What the operating system says about a process (Linux /proc), shared by the tests and the
benchmarks: standard library only, so a benchmark can import it before anything else."""

from __future__ import annotations

import contextlib
from pathlib import Path


def children_of(pid: int) -> list[int]:
    """The pids of a process's children (gunicorn's workers, for a `serve` master)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.extend(int(part) for part in task.read_text().split())
    return found
