"""Click burst: N distinct users click one daily question, closed loop at C concurrent
connections, or open loop at a fixed arrival rate (`--rate`, issue 14: how Slack really sends).

    .venv/bin/python bench/click_burst.py --db sqlite --users 10000
    .venv/bin/python bench/click_burst.py --db postgres --users 10000 --profile /tmp/click.svg
    .venv/bin/python bench/click_burst.py --db sqlite --users 10000 --rate 500

Processes (2 cores are shared by all of them, as in production on a small box):
  * this process: the fake Slack Web API (tests/support/fake_slack.py) and the checks;
  * `leader-quiz serve` (gunicorn master + one gthread worker) on a fresh database, with the
    daily question posted to the fake beforehand through the app's own DailyPoster;
  * the ceiling: bench/bare_app.py, a Bolt app that only acks, under the same gunicorn
    configuration (one gthread worker, same thread count);
  * the load generator (bench/loadgen.py): asyncio, keep-alive connections, every request
    signed as Slack signs it before the clock starts.

Both servers get the same request bodies. Reported: throughput and its ratio to the ceiling,
ack latency percentiles, verdict latency (click due -> its private reply received by the fake,
through the click's response_url or the chat.postEphemeral fallback), the 429s the app drew
from the fake (which enforces Slack's published per-minute limits, SPEC §11), chat.update
spacing and its workspace budget, CPU seconds used per process, start time and idle memory.
`--channels N` spreads the clicks over N channels, each with an open question (the answer
counts then share chat.update's 50-a-minute budget).

Correctness checks (exit 1 on failure): every click acked 200, the database holds exactly one
answer per clicker, every clicker got exactly one graded private reply, the count on each
channel message reaches its clicks and never goes backwards, chat.update of a message is never
closer than 0.9 x the window (the tolerance the e2e tests use), no 60 s holds more chat.update
calls than Slack's floor, no Web API call skipped the budget gate, and the serve log has no
ERROR record (a failing run keeps its log and prints where).
Timing targets are printed as met / MISSED and never change the exit code. Open loop adds: no
acknowledgement later than Slack's 3 s, p99 under 250 ms, every reply within 10 s of when its
click was due; latencies count from the due time (bench/loadgen.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    TEAM,
    Checks,
    check_serve_log,
    clean_environment,
    cpu_seconds,
    machine_load,
    memory_kb,
    percentile,
    summary_ms,
    target,
    temporary_database,
    wait_until,
)
from tests.support.processes import children_of

CHANNEL = "CBURST"
CHAT_UPDATE_PER_MINUTE = 50  # Slack's Tier 3 floor
BENCH_DIR = Path(__file__).resolve().parent

TARGET_RATIO = 0.5
TARGET_P99_S = 0.100
TARGET_REPLY_S = 10.0
TARGET_START_S = 3.0
TARGET_RSS_MB = 120.0
TARGET_OPEN_P99_S = 0.250
SLACK_ACK_LIMIT_S = 3.0


def channel_names(count: int) -> list[str]:
    return [CHANNEL] if count == 1 else [f"{CHANNEL}{n:02d}" for n in range(count)]


def post_questions(env: dict[str, str], channels: list[str]) -> list[tuple[int, str]]:
    """Post today's question in each channel through the app's own poster; (post id, ts) each."""
    from bot.config import load_settings
    from bot.runtime import build_runtime

    runtime = build_runtime(load_settings(env))
    try:
        outcomes = [
            runtime.posts.post_daily(
                team_id=TEAM,
                channel_id=channel,
                quiz_day=dt.datetime.now(dt.UTC).date(),
                timezone="UTC",
                fence=None,
            )
            for channel in channels
        ]
    finally:
        runtime.close()
    for outcome in outcomes:
        if outcome.status.value != "posted" or outcome.post_id is None or not outcome.message_ts:
            raise SystemExit(f"could not post the daily question: {outcome}")
    return [(outcome.post_id, outcome.message_ts) for outcome in outcomes]  # type: ignore[misc]


def answered_shown(text: str) -> int | None:
    """The count in the channel message's context line ("1,234 people answered" / "No answers yet")."""
    match = re.search(r"([\d,]+) (?:people|person) answered", text)
    if match:
        return int(match.group(1).replace(",", ""))
    return 0 if "No answers yet" in text else None


def user_id(index: int) -> str:
    return f"UB{index:07d}"


def write_bodies(  # type: ignore[no-untyped-def]
    path: Path,
    *,
    users: int,
    messages: list[tuple[str, str, dict[str, str]]],
    fake,
    commands: int = 0,
    homes: int = 0,
) -> list[tuple[str, int]]:
    """One signed-to-be body per line: the clicks (each on the channel `index % channels`, with
    its own response_url), with `commands` `/leader-quiz stats` and `homes` App Home openings
    spread evenly among them; per line, ("click", user index), ("command", command index) or
    ("home", user index). `messages`: (channel, message ts, letter -> button value) each."""
    from tests.support.slack_requests import SlackSender

    sender = SlackSender(base_url="http://unused", response_url_for=fake.response_url)
    rng = random.Random(20261126)
    every = max(users // commands, 1) if commands else 0
    every_home = max(users // homes, 1) if homes else 0
    lines: list[tuple[str, int]] = []
    with path.open("w") as handle:
        for index in range(users):
            channel, message_ts, values = messages[index % len(messages)]
            if every_home and index % every_home == every_home // 4 and index // every_home < homes:
                event = {"type": "app_home_opened", "user": user_id(index), "channel": "DHOME", "tab": "home"}
                handle.write(sender.event_body(event, event_id=f"EvHOME{index:07d}") + "\n")
                lines.append(("home", index))
            if every and index % every == every // 2 and index // every < commands:
                command = index // every
                body = sender.command_body(
                    "stats", user=user_id(index), channel=channel, key=f"stats-{command}"
                )
                handle.write(body + "\n")
                lines.append(("command", command))
            letter = rng.choice(sorted(values))
            payload = sender.action_payload(
                action_id=f"answer_{letter}",
                value=values[letter],
                user=user_id(index),
                channel=channel,
                message_ts=message_ts,
                key=f"click-{index}",
            )
            handle.write(urlencode({"payload": json.dumps(payload)}) + "\n")
            lines.append(("click", index))
    return lines


def busiest_minute(times: list[float]) -> int:
    """The most calls in any 60 s window."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 60.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def run_load(
    *, port: int | str, bodies: Path, concurrency: int, secret: str, out: Path, rate: float | None = None
) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            str(BENCH_DIR / "loadgen.py"),
            "--port",
            str(port),
            "--bodies",
            str(bodies),
            "--secret",
            secret,
            "--out",
            str(out),
        ]
        + (["--rate", str(rate)] if rate else ["--concurrency", str(concurrency)])
    )
    code = process.wait()
    if code != 0:
        raise SystemExit(f"the load generator failed with exit code {code}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    outcome = json.loads(out.read_text())
    outcome["wall"] = time.monotonic() - started
    outcome["loadgen_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return outcome


def describe_load(name: str, outcome: dict) -> dict:
    results = outcome["results"]
    latencies = [r[2] for r in results if r[3] == 200]
    elapsed = outcome["finished"] - outcome["started"]
    rps = len(results) / elapsed if elapsed > 0 else float("nan")
    offered = (
        f" (offered {outcome['rate']:,.0f}/s, open loop, latency from due time)"
        if outcome.get("rate")
        else ""
    )
    print(
        f"{name}: {len(results)} requests in {elapsed:.2f} s = {rps:,.0f} req/s{offered}; "
        f"ack latency {summary_ms(latencies)}"
    )
    over = sum(1 for latency in latencies if latency > SLACK_ACK_LIMIT_S)
    if outcome.get("rate"):
        print(
            f"  acks over {SLACK_ACK_LIMIT_S:.0f} s: {over}; peak connections {outcome.get('peak_connections')}"
        )
    statuses: dict[int, int] = defaultdict(int)
    for r in results:
        statuses[r[3]] += 1
    if set(statuses) != {200} or outcome["errors"]:
        print(f"  statuses {dict(statuses)}, connection errors/retries {outcome['errors']}")
    return {
        "rps": rps,
        "elapsed": elapsed,
        "latencies": latencies,
        "statuses": dict(statuses),
        "over_3s": over,
    }


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 30.0) -> float:
    import requests

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{url} never became healthy")


def ceiling_command(spec: str, threads: int) -> list[str]:
    """bench/bare_app.py's flags for a ceiling: `gunicorn:WxT` (W workers, T threads each),
    `gunicorn` (one worker, the app's thread count), or `uvicorn:W` (AsyncApp, W workers);
    `+respond` after a gunicorn spec: each click's listener also posts to its response_url."""
    spec, respond = spec.removesuffix("+respond"), spec.endswith("+respond")
    if respond:
        return [*ceiling_command(spec, threads), "--respond"]
    server, _, shape = spec.partition(":")
    if server == "uvicorn":
        return ["--asgi", "--workers", shape or "1"]
    if server != "gunicorn":
        raise SystemExit(f"--ceiling {spec!r}: expected gunicorn[:WxT] or uvicorn[:W]")
    workers, _, per = (shape or f"1x{threads}").partition("x")
    return ["--workers", workers, "--threads", per or str(threads)]


def run_ceiling(
    args: argparse.Namespace, spec: str, bodies: Path, workdir: Path, secret: str, api_url: str
) -> dict:
    from tests.support.servers import free_port

    port = free_port()
    log = (workdir / "bare.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            str(BENCH_DIR / "bare_app.py"),
            "--port",
            str(port),
            *ceiling_command(spec, args.threads),
            "--secret",
            secret,
            "--api-url",
            api_url,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        time.sleep(1.0)  # every worker up
        workers = children_of(process.pid) or [process.pid]
        cpu_before = sum(cpu_seconds(pid) for pid in workers)
        outcome = run_load(
            port=port,
            bodies=bodies,
            concurrency=args.concurrency,
            secret=secret,
            out=workdir / "ceiling.json",
            rate=args.rate,
        )
        outcome["server_cpu"] = sum(cpu_seconds(pid) for pid in workers) - cpu_before
        return outcome
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def start_profiler(pid: int, path: str, duration_hint: str, *, gil_only: bool) -> subprocess.Popen | None:
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        print(f"  (no {spy}: install it with .venv/bin/pip install py-spy; not profiling)")
        return None
    fmt = "speedscope" if path.endswith(".json") else ("raw" if path.endswith(".txt") else "flamegraph")
    print(f"  profiling worker {pid} with py-spy ({fmt}) -> {path} {duration_hint}")
    return subprocess.Popen(
        # --gil: sample only the thread holding the GIL (where the Python core goes); without it,
        # every thread that is not idle (including time in SQLite's C code and in sockets).
        [str(spy), "record", "--pid", str(pid), "--output", path, "--format", fmt, "--rate", "100"]
        + (["--gil"] if gil_only else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop_profiler(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return
    if process.returncode not in (0, None, -2):
        print(f"  py-spy exited {process.returncode}: {err.decode(errors='replace')[-400:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--users", type=int, default=10_000, help="distinct clickers (size)")
    parser.add_argument("--concurrency", type=int, default=50, help="closed loop: concurrent connections")
    parser.add_argument("--rate", type=float, help="open loop: clicks arriving per second (issue 14)")
    parser.add_argument("--commands", type=int, default=0, help="`/leader-quiz stats` mixed into the clicks")
    parser.add_argument("--homes", type=int, default=0, help="App Home openings mixed into the clicks")
    parser.add_argument(
        "--channels", type=int, default=1, help="channels with an open question, clicks spread"
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="`serve` processes on the one database, clicks split between them",
    )
    parser.add_argument(
        "--threads", type=int, default=16, help="HTTP_THREADS (gthread threads), both servers"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="WEB_CONCURRENCY: gunicorn worker processes per `serve`"
    )
    parser.add_argument(
        "--count-seconds", type=float, default=5.0, help="COUNT_UPDATE_SECONDS (production: 5)"
    )
    parser.add_argument("--no-ceiling", action="store_true", help="skip the bare Bolt ceiling run")
    parser.add_argument("--ceiling-only", action="store_true", help="measure only the bare Bolt ceilings")
    parser.add_argument(
        "--ceiling",
        action="append",
        metavar="SPEC",
        help="a bare-Bolt ceiling to measure (repeatable; the best counts): gunicorn[:WxT], uvicorn[:W]",
    )
    parser.add_argument("--profile", metavar="PATH", help="py-spy record the app worker during the burst")
    parser.add_argument(
        "--profile-gil", action="store_true", help="sample only the GIL holder (default: all active threads)"
    )
    parser.add_argument("--drain-timeout", type=float, default=180.0, help="max seconds to wait for replies")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    clean_environment()
    print(f"machine at the start: {machine_load()}")
    from sqlalchemy import create_engine, func, select

    from db.models import Answer
    from tests.support.fake_slack import FakeSlack
    from tests.support.messages import block_texts, buttons
    from tests.support.servers import ServeProcess, app_env
    from tests.support.slack_requests import SIGNING_SECRET

    checks = Checks()
    figures: dict = {
        "db": args.db,
        "users": args.users,
        "concurrency": args.concurrency,
        "rate": args.rate,
        "threads": args.threads,
        "workers": args.workers,
        "channels": args.channels,
    }
    print(
        f"click burst: {args.users} users, "
        + (f"open loop at {args.rate:g}/s" if args.rate else f"{args.concurrency} connections")
        + f", {args.channels} channel(s), {args.workers} worker(s) x {args.threads} HTTP threads, "
        f"db {args.db}, {os.cpu_count()} CPUs, Slack's limits enforced"
    )
    with (
        FakeSlack() as fake,
        temporary_database(args.db) as database_url,
        tempfile.TemporaryDirectory(prefix="lq-burst-") as folder,
    ):
        workdir = Path(folder)
        env = app_env(
            api_url=fake.api_url,
            database_url=database_url,
            COUNT_UPDATE_SECONDS=str(args.count_seconds),
            HTTP_THREADS=str(args.threads),
            WEB_CONCURRENCY=str(args.workers),
        )
        channels = channel_names(args.channels)
        posts = post_questions(env, channels)
        messages = [
            (channel, message_ts, buttons(fake.messages(channel)[-1]))
            for channel, (_, message_ts) in zip(channels, posts, strict=True)
        ]
        bodies = workdir / "bodies.txt"
        lines = write_bodies(
            bodies,
            users=args.users,
            messages=messages,
            fake=fake,
            commands=args.commands,
            homes=args.homes,
        )

        # -- the ceiling ---------------------------------------------------------------
        ceiling = None
        for spec in [] if args.no_ceiling else args.ceiling or ["gunicorn"]:
            raw = run_ceiling(args, spec, bodies, workdir, SIGNING_SECRET, fake.api_url)
            what = "ack + response_url post" if spec.endswith("+respond") else "ack only"
            measured = describe_load(f"ceiling {spec} (bare Bolt, {what})", raw)
            measured["server_cpu"] = raw["server_cpu"]
            measured["spec"] = spec
            print(
                f"  bare worker CPU {raw['server_cpu']:.2f} s = {raw['server_cpu'] / args.users * 1e3:.2f} ms/click"
            )
            figures.setdefault("ceilings", {})[spec] = {
                "rps": measured["rps"],
                "p99_ms": percentile(measured["latencies"], 99) * 1000,
                "over_3s": measured["over_3s"],
            }
            if ceiling is None or measured["rps"] > ceiling["rps"]:
                ceiling = measured
        if ceiling is not None and len(figures.get("ceilings", {})) > 1:
            print(f"best ceiling: {ceiling['spec']} at {ceiling['rps']:,.0f} req/s")
        fake.forget_calls()  # the ceilings' replies are not the app's
        if args.ceiling_only:
            if args.json:
                Path(args.json).write_text(json.dumps(figures, indent=2))
            return 0

        # -- the app -------------------------------------------------------------------
        fake_calls_before = len(fake.calls())
        replicas = [ServeProcess(env, workdir / f"serve-{n}.log") for n in range(args.replicas)]
        serve = replicas[0]
        try:
            for replica in replicas:
                replica.wait_healthy(timeout=30)
            start_s = time.monotonic() - serve.started_at
            time.sleep(1.0)  # idle a moment: the scheduler's first sync and heartbeat settle
            workers = children_of(serve.process.pid)
            every_worker = [pid for replica in replicas for pid in children_of(replica.process.pid)]
            master_mem, worker_mem = memory_kb(serve.process.pid), memory_kb(workers[0]) if workers else {}
            idle_rss_mb = (master_mem.get("rss", 0) + worker_mem.get("rss", 0)) / 1024
            print(
                f"serve: healthy {start_s:.2f} s after start (fresh database, migrations included); idle RSS "
                f"master {master_mem.get('rss', 0) / 1024:.1f} MB + worker {worker_mem.get('rss', 0) / 1024:.1f} MB "
                f"= {idle_rss_mb:.1f} MB"
            )
            worker_pid = workers[0]
            cpu_before = sum(cpu_seconds(pid) for pid in every_worker)
            our_cpu_before = time.process_time()
            profiler = (
                start_profiler(worker_pid, args.profile, "(burst + reply drain)", gil_only=args.profile_gil)
                if args.profile
                else None
            )
            raw = run_load(
                port=",".join(str(replica.port) for replica in replicas),
                bodies=bodies,
                concurrency=args.concurrency,
                secret=SIGNING_SECRET,
                out=workdir / "app.json",
                rate=args.rate,
            )
            app = describe_load(
                "app (leader-quiz serve)"
                if args.replicas == 1
                else f"app ({args.replicas} replicas, clicks split)",
                raw,
            )

            # Private replies trail the acks: wait until they stop arriving.
            def replies() -> int:
                return len(fake.replies())

            last, last_change = -1, time.monotonic()
            drain_started = time.monotonic()
            while time.monotonic() - drain_started < args.drain_timeout:
                count = replies()
                if count >= args.users:
                    break
                if count != last:
                    last, last_change = count, time.monotonic()
                elif time.monotonic() - last_change > 30:
                    break
                time.sleep(0.2)
            replies_done = time.monotonic()
            # ...and each message's last coalesced count update (its window, or its turn in
            # chat.update's budget, later).
            clicks_per_channel = [len(range(n, args.users, len(channels))) for n in range(len(channels))]

            def shows(count: int) -> str:
                return f"{count} people answered" if count != 1 else "1 person answered"

            def final_count_shown() -> bool:
                return all(
                    any(
                        shows(clicks) in block_texts(c.params.get("blocks") or [])
                        for c in fake.calls("chat.update")
                        if c.ok and c.params.get("ts") == message_ts
                    )
                    for (_, message_ts, _), clicks in zip(messages, clicks_per_channel, strict=True)
                )

            wait_until(
                final_count_shown,
                timeout=args.count_seconds * 2 + 10 + 60 * len(channels) / CHAT_UPDATE_PER_MINUTE,
                interval=0.2,
            )
            stop_profiler(profiler)
            app_cpu = sum(cpu_seconds(pid) for pid in every_worker) - cpu_before
            fake_cpu = time.process_time() - our_cpu_before
            worker_after = memory_kb(worker_pid)
        finally:
            for replica in replicas:
                replica.stop()
        log_text = "".join(replica.log_path.read_text(errors="replace") for replica in replicas)

        # -- figures -------------------------------------------------------------------
        sent_at = {lines[r[0]][1]: r[1] for r in raw["results"] if lines[r[0]][0] == "click"}
        command_acks = [r[2] for r in raw["results"] if lines[r[0]][0] == "command" and r[3] == 200]
        command_sent = {lines[r[0]][1]: r[1] for r in raw["results"] if lines[r[0]][0] == "command"}
        home_acks = [r[2] for r in raw["results"] if lines[r[0]][0] == "home" and r[3] == 200]
        home_sent = {user_id(lines[r[0]][1]): r[1] for r in raw["results"] if lines[r[0]][0] == "home"}
        first_view: dict[str, float] = {}  # the first view published for the opener after it opened
        for call in fake.calls("views.publish"):
            opener = str(call.params.get("user_id"))
            if call.ok and opener in home_sent and call.at >= home_sent[opener]:
                first_view[opener] = min(first_view.get(opener, call.at), call.at)
        home_views = [at - home_sent[opener] for opener, at in first_view.items()]
        command_replies = []
        for call in fake.calls("response_url"):
            key = str(call.params.get("_key", ""))
            if key.startswith("stats-") and int(key[6:]) in command_sent:
                command_replies.append(call.at - command_sent[int(key[6:])])
        by_user = {
            user: [c for c in calls if not str(c.params.get("_key", "")).startswith("stats-")]
            for user, calls in fake.replies_by_user().items()
        }  # the clicks' verdicts (the stats commands' replies are counted apart)
        fallbacks = len([c for c in fake.calls("chat.postEphemeral") if c.ok])
        reply_latency = []
        graded = 0
        for index in range(args.users):
            calls = by_user.get(user_id(index), [])
            if calls and index in sent_at:
                reply_latency.append(calls[0].at - sent_at[index])
                text = block_texts(calls[0].params.get("blocks") or [])
                graded += ("Correct!" in text or "Not quite" in text) and "streak" in text
        late = sum(1 for latency in reply_latency if latency > TARGET_REPLY_S)
        all_updates = [c for c in fake.calls("chat.update") if c.ok]
        gaps: list[float] = []
        backwards: list[tuple[int, int]] = []
        for _, message_ts, _ in messages:
            updates = [c for c in all_updates if c.params.get("ts") == message_ts]
            gaps += [b.at - a.at for a, b in itertools.pairwise(updates)]
            shown_counts = [answered_shown(block_texts(c.params.get("blocks") or [])) for c in updates]
            backwards += [
                (a, b)
                for a, b in itertools.pairwise(shown_counts)
                if a is not None and b is not None and b < a
            ]
        busiest_updates = busiest_minute([c.at for c in all_updates])
        app_calls = [c for c in fake.calls()[fake_calls_before:] if c.method != "response_url"]
        throttled = [c for c in fake.throttled if c in app_calls]
        engine = create_engine(database_url)
        with engine.connect() as connection:
            post_ids = [post_id for post_id, _ in posts]
            stored = connection.execute(
                select(func.count()).select_from(Answer).where(Answer.post_id.in_(post_ids))
            ).scalar_one()
            distinct = connection.execute(
                select(func.count(func.distinct(Answer.user_id))).where(Answer.post_id.in_(post_ids))
            ).scalar_one()
        engine.dispose()
        slack_calls = len(fake.calls()) - fake_calls_before

        print(
            f"private replies: {len(reply_latency)} of {args.users}; click -> reply {summary_ms(reply_latency)}"
        )
        print(
            f"  last reply {replies_done - raw['finished']:.1f} s after the last ack; replies later than "
            f"{TARGET_REPLY_S:.0f} s: {late}"
        )
        print(
            f"chat.update: {len(all_updates)} calls over {len(messages)} message(s), min gap per message "
            f"{min(gaps) if gaps else float('nan'):.2f} s (window {args.count_seconds:g} s), "
            f"busiest minute {busiest_updates} (Slack's floor {CHAT_UPDATE_PER_MINUTE})"
        )
        print(
            f"Slack's limits: {len(throttled)} of {len(app_calls)} Web API calls drew a 429 "
            f"({len(throttled) / max(len(app_calls), 1):.1%}); verdicts through the Web API fallback: {fallbacks}"
        )
        print(
            f"CPU during burst + drain: app worker {app_cpu:.1f} s ({app_cpu / args.users * 1e3:.2f} ms/click), "
            f"fake Slack + checks {fake_cpu:.1f} s, load generator {raw['loadgen_cpu']:.1f} s"
        )
        print(
            f"worker RSS after the burst: {worker_after.get('rss', 0) / 1024:.1f} MB; Slack API calls {slack_calls}"
        )
        ratio = app["rps"] / ceiling["rps"] if ceiling else float("nan")
        p99 = percentile(app["latencies"], 99)
        print("\ntargets (reported, not asserted):")
        if args.rate:
            print(
                f"  acks over {SLACK_ACK_LIMIT_S:.0f} s: {app['over_3s']} (target 0): {target(app['over_3s'] == 0)}"
            )
            print(
                f"  p99 ack from due time {p99 * 1000:.1f} ms (target < {TARGET_OPEN_P99_S * 1000:.0f} ms): "
                f"{target(p99 < TARGET_OPEN_P99_S)}"
            )
            print(f"  achieved {app['rps']:,.0f} of {args.rate:g} clicks/s offered")
        elif ceiling:
            print(
                f"  throughput {app['rps']:,.0f} / ceiling {ceiling['rps']:,.0f} req/s = {ratio:.0%} "
                f"(target >= {TARGET_RATIO:.0%}): {target(ratio >= TARGET_RATIO)}"
            )
        if not args.rate:
            print(
                f"  p99 ack {p99 * 1000:.1f} ms (target < {TARGET_P99_S * 1000:.0f} ms): {target(p99 < TARGET_P99_S)}"
            )
        print(
            f"  every reply within {TARGET_REPLY_S:.0f} s: {len(reply_latency) - late} of {args.users}: "
            f"{target(late == 0 and len(reply_latency) == args.users)}"
        )
        print(
            f"  start to healthy {start_s:.2f} s (target < {TARGET_START_S:.0f} s): {target(start_s < TARGET_START_S)}"
        )
        print(
            f"  idle RSS {idle_rss_mb:.1f} MB (target < {TARGET_RSS_MB:.0f} MB): {target(idle_rss_mb < TARGET_RSS_MB)}"
        )

        print("\ncorrectness:")
        # Slash commands and App Home openings in the burst: each acked, then answered.
        for name, sent, acks, answers, answer, check_name, key in (
            (
                "/leader-quiz stats",
                args.commands,
                command_acks,
                command_replies,
                "reply",
                "every slash command answered",
                "command",
            ),
            (
                "App Home opened",
                args.homes,
                home_acks,
                home_views,
                "view published",
                "every App Home opening got its view",
                "home",
            ),
        ):
            if not sent:
                continue
            print(
                f"{name} mixed in: {len(acks)} of {sent} acked, ack {summary_ms(acks)}; {answer} {summary_ms(answers)}"
            )
            slow = sum(1 for x in acks + answers if x > SLACK_ACK_LIMIT_S)
            checks.check(
                len(answers) == sent,
                check_name,
                f"{len(answers)} of {sent} answered; {slow} acks or answers over 3 s",
            )
            figures[f"{key}_ack_p99_ms"] = percentile(acks, 99) * 1000
            figures[f"{key}_answer_max_s"] = max(answers) if answers else None
        checks.check(
            app["statuses"] == {200: args.users + args.commands + args.homes},
            "every request acked 200",
            str(app["statuses"]),
        )
        checks.check(
            stored == args.users and distinct == args.users,
            "no answer lost or doubled",
            f"{stored} answers from {distinct} users stored for {args.users} clicks",
        )
        click_replies = {
            user: calls for user, calls in by_user.items() if user and user.startswith("UB") and calls
        }
        checks.check(
            len(reply_latency) == args.users and all(len(v) == 1 for v in click_replies.values()),
            "one private reply per clicker",
            f"{len(reply_latency)} users replied, {sum(map(len, click_replies.values()))} replies",
        )
        checks.check(graded == len(reply_latency), "replies are graded answers", f"{graded} graded")
        checks.check(
            final_count_shown(), "every channel message shows its final count", f"{clicks_per_channel}"
        )
        checks.check(
            all(gap >= args.count_seconds * 0.9 for gap in gaps),
            "chat.update coalesced to one per window",
            f"{len(all_updates)} updates, min gap {min(gaps) if gaps else float('nan'):.2f} s",
        )
        checks.check(
            busiest_updates <= CHAT_UPDATE_PER_MINUTE,
            "chat.update within its workspace budget",
            f"busiest minute {busiest_updates}",
        )
        checks.check(
            not fake.ungated, "every Web API call passed the budget gate", f"{len(fake.ungated)} did not"
        )
        checks.check(
            not backwards,
            "the count shown never goes backwards",
            f"{len(backwards)} decrease(s)"
            + (f", e.g. {backwards[0][0]} -> {backwards[0][1]}" if backwards else ""),
        )
        check_serve_log(checks, log_text, "click_burst")

        figures.update(
            {
                "ceiling_rps": ceiling["rps"] if ceiling else None,
                "ceiling_p99_ms": percentile(ceiling["latencies"], 99) * 1000 if ceiling else None,
                "app_rps": app["rps"],
                "ratio": ratio,
                "app_p50_ms": percentile(app["latencies"], 50) * 1000,
                "app_p99_ms": p99 * 1000,
                "app_over_3s": app["over_3s"],
                "ceiling_over_3s": ceiling["over_3s"] if ceiling else None,
                "reply_p50_s": percentile(reply_latency, 50),
                "reply_p99_s": percentile(reply_latency, 99),
                "reply_max_s": max(reply_latency) if reply_latency else None,
                "late_replies": late,
                "chat_updates": len(all_updates),
                "busiest_update_minute": busiest_updates,
                "throttled": len(throttled),
                "web_api_calls": len(app_calls),
                "fallbacks": fallbacks,
                "min_update_gap_s": min(gaps) if gaps else None,
                "app_cpu_ms_per_click": app_cpu / args.users * 1e3,
                "start_s": start_s,
                "idle_rss_mb": idle_rss_mb,
                "failed_checks": checks.failed,
            }
        )
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
    print(f"machine at the end: {machine_load()}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
