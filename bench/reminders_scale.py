"""The daily reminder run at scale, within Slack's limits: N opted-in people in one workspace
with C due review cards each, whose chosen reminder times are spread over the hour that has
just passed (all due now), and K channels whose daily question is due this minute, all served
by one `leader-quiz serve` against the fake Web API, which answers every call after a
Slack-like delay and enforces Slack's published limits (chat.postMessage: 300 a minute per
workspace, then 429 + Retry-After).

    .venv/bin/python bench/reminders_scale.py --db sqlite --people 10000 --cards 100

The DMs share chat.postMessage's workspace budget with the daily posts, which go first; so the
budget sets a lower bound on the run: (people + channels) / 300 minutes, counting Slack's
rolling minute as the gate does (60 s + its 2 s margin). Checks: every person gets one DM, in
order of their chosen time; no call draws a 429; the daily posts go before the DMs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    TEAM,
    Checks,
    check_serve_log,
    clean_environment,
    cpu_seconds,
    machine_load,
    percentile,
    target,
    temporary_database,
)
from bot.slack.outbox import WORKERS
from tests.support.processes import children_of

POST_MESSAGE_PER_MINUTE = 300
GATE_MINUTE_S = 62.0  # Slack's minute plus the gate's margin (bot/slack/budget.py)


def user_id(index: int) -> str:
    return f"UR{index:07d}"


def chosen_time(index: int, people: int, at: dt.datetime) -> dt.datetime:
    """Person `index`'s reminder time: spread over the hour before `at`, earliest first."""
    return at - dt.timedelta(minutes=59 - (index * 60) // max(people, 1))


def seed(url: str, *, people: int, cards: int, channels: int, at: dt.datetime) -> None:
    """Reminders due by `at` (their times spread over the last hour), `cards` due cards per
    person, `channels` schedules due at `at`."""
    from sqlalchemy import insert

    from content import load_bank
    from db.engine import Database
    from db.models import Reminder, ReviewCard, Schedule

    bank = load_bank()
    questions = [q.id for q in bank.questions][:cards]
    if len(questions) < cards:
        raise SystemExit(f"the bank has {len(questions)} questions; --cards {cards} is more")
    db = Database(url)
    long_ago = at - dt.timedelta(days=30)
    with db.writing() as session:
        session.execute(
            insert(Schedule),
            [
                {
                    "team_id": TEAM,
                    "channel_id": f"CR{n:05d}",
                    "hour": at.hour,
                    "minute": at.minute,
                    "timezone": "UTC",
                    "days": "daily",
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
                for n in range(channels)
            ],
        )
        session.execute(
            insert(Reminder),
            [
                {
                    "team_id": TEAM,
                    "user_id": user_id(n),
                    "hour": chosen_time(n, people, at).hour,
                    "minute": chosen_time(n, people, at).minute,
                    "timezone": "UTC",
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
                for n in range(people)
            ],
        )
    batch: list[dict] = []
    for n in range(people):
        for position, question_id in enumerate(questions):
            batch.append(
                {
                    "team_id": TEAM,
                    "user_id": user_id(n),
                    "question_id": question_id,
                    "state": 2,
                    "step": None,
                    "stability": 5.0,
                    "difficulty": 5.0,
                    "due": at - dt.timedelta(hours=1, minutes=position),
                    "last_review": at - dt.timedelta(days=6),
                    "reviews": 3,
                    "lapses": 0,
                }
            )
        if len(batch) >= 50_000:
            with db.writing() as session:
                session.execute(insert(ReviewCard), batch)
            batch = []
    if batch:
        with db.writing() as session:
            session.execute(insert(ReviewCard), batch)
    db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--cards", type=int, default=100, help="due cards per person")
    parser.add_argument("--channels", type=int, default=50, help="daily questions due at the same minute")
    parser.add_argument(
        "--latency", type=float, default=0.15, help="seconds the fake takes to answer each call"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds to wait (default: the lower bound x 1.3 + 2 min)"
    )
    args = parser.parse_args(argv)
    clean_environment()
    print(f"machine at the start: {machine_load()}")

    from tests.support.fake_slack import FakeSlack
    from tests.support.servers import ServeProcess, app_env

    checks = Checks()
    with FakeSlack() as fake, temporary_database(args.db) as url, tempfile.TemporaryDirectory() as folder:
        now = dt.datetime.now(dt.UTC)
        at = now.replace(second=0, microsecond=0)  # the minute that has just begun
        started = time.monotonic()
        seed(url, people=args.people, cards=args.cards, channels=args.channels, at=at)
        print(
            f"seeded {args.people} reminders x {args.cards} due cards = {args.people * args.cards:,} cards and "
            f"{args.channels} schedules, all due at {at:%H:%M} UTC, in {time.monotonic() - started:.1f} s"
        )
        for method in ("chat.postMessage", "conversations.open", "chat.update"):
            fake.fail_next(method, status=200, times=10**9, delay=args.latency)
        calls = args.people + args.channels
        lower_bound = max(0.0, (calls / POST_MESSAGE_PER_MINUTE - 1) * GATE_MINUTE_S)
        timeout = args.timeout or lower_bound * 1.3 + 120
        env = app_env(api_url=fake.api_url, database_url=url, COUNT_UPDATE_SECONDS="5")
        serve = ServeProcess(env, Path(folder) / "serve.log")
        try:
            serve.wait_healthy(timeout=60)
            workers = children_of(serve.process.pid)
            cpu_before = cpu_seconds(workers[0]) if workers else float("nan")
            reference = serve.started_at
            deadline = reference + timeout
            wanted = {user_id(n) for n in range(args.people)}

            def sent() -> list:
                return [
                    c
                    for c in fake.calls("chat.postMessage")
                    if c.ok and (c.params.get("metadata") or {}).get("event_type") == "leader_quiz_reminder"
                ]

            while time.monotonic() < deadline and len({c.params["channel"] for c in sent()}) < len(wanted):
                time.sleep(0.5)
            time.sleep(2.0)
            cpu_used = (cpu_seconds(workers[0]) - cpu_before) if workers else float("nan")
        finally:
            serve.stop()
        log_text = (Path(folder) / "serve.log").read_text(errors="replace")

        dms = sent()
        posts = [
            c
            for c in fake.calls("chat.postMessage")
            if c.ok and str(c.params.get("channel", "")).startswith("CR")
        ]
        dm_times = sorted(c.at - reference for c in dms)
        post_times = sorted(c.at - reference for c in posts)
        per_person = Counter(c.params["channel"] for c in dms)
        print(
            f"reminder DMs: {len(per_person)} of {args.people} people; since serve started: first "
            f"{dm_times[0] if dm_times else float('nan'):.1f} s, p50 {percentile(dm_times, 50) if dm_times else float('nan'):.1f} s, "
            f"last {dm_times[-1] if dm_times else float('nan'):.1f} s ({len(dms) / max((dm_times[-1] - dm_times[0]) if dm_times else 1, 1e-9):.0f} DMs/s)"
        )
        print(
            f"daily posts: {len(posts)} of {args.channels}; last {post_times[-1] if post_times else float('nan'):.2f} s "
            "after serve started"
        )
        print(f"serve worker CPU from healthy to done: {cpu_used:.1f} s")
        first_dm = dm_times[0] if dm_times else 0.0
        whole = dm_times[-1] if dm_times else float("inf")
        print(
            f"all {len(per_person)} DMs out {whole:.0f} s after serve started ({whole / 60:.1f} min); the budget's lower "
            f"bound for {calls:,} chat.postMessage calls at {POST_MESSAGE_PER_MINUTE}/min: {lower_bound:.0f} s "
            f"({lower_bound / 60:.1f} min)"
        )
        throttled = [c for c in fake.throttled if c.method == "chat.postMessage"]
        print(f"429s drawn: {len(fake.throttled)} ({len(throttled)} chat.postMessage)")
        print(
            f"target: daily posts not held up by the reminders: "
            f"{target(len(posts) == args.channels and (post_times[-1] if post_times else 99) <= first_dm + 10)}"
        )
        order = {user_id(n): n for n in range(args.people)}  # index order = chosen-time order
        firsts: dict[str, float] = {}
        for call in dms:
            firsts.setdefault(str(call.params["channel"]), call.at)
        arrival = sorted(firsts, key=firsts.__getitem__)
        # The outbox hands the sends in order of chosen time to its workers, up to WORKERS at
        # once; within that many, Slack may see them in any order.
        rank = {channel: order.get(channel.removeprefix("D"), -1) for channel in arrival}
        displacement = max(
            (abs(rank[channel] - position) for position, channel in enumerate(arrival)), default=0
        )
        print(
            f"order: the largest gap between a DM's place in line and its arrival: {displacement} (workers {WORKERS})"
        )
        worst = sorted(
            (
                (abs(rank[channel] - position), position, rank[channel])
                for position, channel in enumerate(arrival)
            ),
            reverse=True,
        )[:5]
        print("  the farthest from their place (gap, arrived as, place):", worst)

        print("\ncorrectness:")
        checks.check(
            len(per_person) == args.people,
            "every opted-in person got a DM",
            f"{len(per_person)} of {args.people}",
        )
        twice = [channel for channel, n in per_person.items() if n > 1]
        checks.check(not twice, "nobody got two", f"{len(twice)} twice")
        named = f"{args.cards} review{'s' if args.cards != 1 else ''} due"
        listed = all(named in str(c.params.get("text", "")) for c in dms)
        checks.check(listed, "each DM names the due reviews", "")
        checks.check(
            len(posts) == args.channels, "every daily question posted", f"{len(posts)} of {args.channels}"
        )
        checks.check(not fake.throttled, "no call drew a 429", f"{len(fake.throttled)} did")
        checks.check(
            displacement <= WORKERS,
            "DMs in order of each person's chosen time",
            f"displacement {displacement}",
        )
        checks.check(
            not fake.ungated, "every Web API call passed the budget gate", f"{len(fake.ungated)} did not"
        )
        check_serve_log(checks, log_text, "reminders_scale")
    print(f"machine at the end: {machine_load()}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
