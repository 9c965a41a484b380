"""The highest click rate that holds, for the app and for bare-Bolt ceilings (issue 21).

Runs `bench/click_burst.py --rate R` (open loop, 10,000 distinct signed clicks by default) at
rising rates for each target, and stops a target at its first rate that does not hold. A rate
holds when every request is acked 200, none after Slack's 3 s, the ack p99 from each click's
due time is under 250 ms, and the achieved rate is within 2% of the offered one; for the app
also every verdict within 10 s and every correctness check of click_burst passing.

Targets: `app` (`leader-quiz serve` with --workers), and any click_burst ceiling spec, e.g.
`gunicorn:2x8` (a bare Bolt app that only acks) and `gunicorn:2x8+respond` (one that also
posts to each click's response_url). Each run is a fresh database, server and fake Slack.

    .venv/bin/python bench/holding_rate.py --db sqlite --rates 400,500,600,700,800 \\
        --target app --target gunicorn:2x8 --target gunicorn:2x8+respond
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
P99_LIMIT_MS = 250.0


def run_once(args: argparse.Namespace, target: str, rate: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            sys.executable,
            str(BENCH_DIR / "click_burst.py"),
            "--db",
            args.db,
            "--users",
            str(args.users),
            "--rate",
            f"{rate:g}",
            "--workers",
            str(args.workers),
            "--json",
            out.name,
        ]
        command += ["--no-ceiling"] if target == "app" else ["--ceiling-only", "--ceiling", target]
        done = subprocess.run(command, capture_output=True, text=True)
        if args.verbose:
            print(done.stdout, done.stderr, sep="\n")
        text = Path(out.name).read_text()
        if not text:
            raise SystemExit(
                f"click_burst failed at {rate:g}/s for {target}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            )
        figures = json.loads(text)
    if target == "app":
        return {
            "rps": figures["app_rps"],
            "p99_ms": figures["app_p99_ms"],
            "over_3s": figures["app_over_3s"],
            "late_replies": figures["late_replies"],
            "reply_p99_s": figures["reply_p99_s"],
            "failed_checks": figures["failed_checks"],
            "exit": done.returncode,
        }
    ceiling = figures["ceilings"][target]
    return {**ceiling, "late_replies": 0, "failed_checks": [], "exit": done.returncode}


def holds(run: dict, rate: float) -> bool:
    return (
        run["exit"] == 0
        and not run["failed_checks"]
        and run["over_3s"] == 0
        and run["p99_ms"] < P99_LIMIT_MS
        and run["late_replies"] == 0
        and run["rps"] >= rate * 0.98
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY of the app")
    parser.add_argument("--rates", default="300,400,500,600,700,800,1000", help="rising rates to try")
    parser.add_argument("--target", action="append", help="app or a ceiling spec (repeatable)")
    parser.add_argument("--json", metavar="PATH", help="also write every run's figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="print click_burst's own output")
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    report: dict[str, dict] = {}
    for target in args.target or ["app"]:
        runs: dict[str, dict] = {}
        best = None
        for rate in rates:
            run = runs[f"{rate:g}"] = run_once(args, target, rate)
            ok = holds(run, rate)
            print(
                f"{target} at {rate:g}/s: achieved {run['rps']:,.0f}/s, ack p99 {run['p99_ms']:.1f} ms, "
                f"over 3 s {run['over_3s']}, late verdicts {run['late_replies']}, "
                f"failed checks {run['failed_checks'] or 'none'}: {'holds' if ok else 'does not hold'}",
                flush=True,
            )
            if not ok:
                break
            best = rate
        report[target] = {"highest_holding": best, "runs": runs}
        print(f"== {target}: highest rate that holds {best if best is None else f'{best:g}/s'}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
