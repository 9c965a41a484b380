"""The click path in one thread, stage by stage: what one daily-answer click costs in CPU
when nothing else competes for the GIL or the database (the floor under the click burst).

    .venv/bin/python bench/click_path.py --db sqlite --users 2000
    .venv/bin/python bench/click_path.py --db postgres --users 2000 --cprofile /tmp/click.pstats

Stages, timed per click (wall and CPU of this thread):
  front    SlackWebApp: signature check, body validation, Bolt dispatch up to the ack
           (a WSGI call with the listener executor replaced by an inline one, so the
           listener's work is NOT in this stage: handle_daily_answer is stubbed to ack only)
  grade    Answering.answer_daily (read the post, record the answer, streak, history)
  reply    the graded reply posted to the click's response_url on the fake Slack, as the
           outbox's reply send makes it (a kept-alive connection, bot/slack/response_urls.py)
  count    AnswerCounts.answered (queues the message's count in the outbox; one chat.update
           per window)

Checks (exit 1): every answer stored once, every reply accepted by the fake.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import pstats
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import TEAM, Checks, clean_environment, machine_load, summary_ms, temporary_database

CHANNEL = "CPATH"


class InlineExecutor:
    """Runs submitted work at once, in the caller's thread (so the front stage is measurable)."""

    def submit(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        fn(*args, **kwargs)

    def shutdown(self, wait: bool = True) -> None:
        pass


def front_app(runtime):  # type: ignore[no-untyped-def]
    """The production WSGI front and Bolt app, with the daily-answer listener only acking."""
    import re

    from bot.runtime import build_web_app
    from bot.slack.requests import CheckedApp

    front = build_web_app(runtime)
    settings = runtime.settings
    bolt = CheckedApp(  # as the app's own: Bolt verifies the signature, CheckedApp the shape
        client=runtime.clients.for_team(""),
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=InlineExecutor(),  # type: ignore[arg-type]
    )
    bolt.action(re.compile(r"^answer_[A-E]$"))(lambda ack: ack())
    front.bolt = bolt
    return front


def environ_for(body: bytes, headers: dict[str, str]) -> dict:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": headers["Content-Type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers.items():
        if name != "Content-Type":
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--users", type=int, default=2000, help="clicks, one per distinct user (size)")
    parser.add_argument("--cprofile", metavar="PATH", help="write cProfile stats (pstats) of all stages")
    parser.add_argument("--top", type=int, default=25, help="functions to print from the cProfile")
    args = parser.parse_args(argv)
    clean_environment()
    print(f"machine at the start: {machine_load()}")

    from sqlalchemy import func, select

    from bot.config import load_settings
    from bot.runtime import build_runtime
    from db.models import Answer
    from tests.support.fake_slack import FakeSlack
    from tests.support.messages import buttons
    from tests.support.servers import app_env
    from tests.support.slack_requests import SlackSender

    checks = Checks()
    with FakeSlack() as fake, temporary_database(args.db) as url:
        env = app_env(api_url=fake.api_url, database_url=url, COUNT_UPDATE_SECONDS="5")
        runtime = build_runtime(load_settings(env))
        outcome = runtime.posts.post_daily(
            team_id=TEAM,
            channel_id=CHANNEL,
            quiz_day=dt.datetime.now(dt.UTC).date(),
            timezone="UTC",
            fence=None,
        )
        post_id = outcome.post_id
        values = buttons(fake.messages(CHANNEL)[-1])
        front = front_app(runtime)
        sender = SlackSender(base_url="http://unused", response_url_for=fake.response_url)
        rng = random.Random(7)
        clicks = []
        for index in range(args.users):
            letter = rng.choice(sorted(values))
            user = f"UP{index:07d}"
            payload = sender.action_payload(
                action_id=f"answer_{letter}", value=values[letter], user=user, channel=CHANNEL, key=str(index)
            )
            body = urlencode({"payload": json.dumps(payload)})
            headers = sender.signed_headers(body, content_type="application/x-www-form-urlencoded")
            clicks.append((user, values[letter], body.encode(), headers, payload["response_url"]))

        # Database round trips per click: every statement sent, and every transaction begun.
        from sqlalchemy import event

        sent = {"statements": 0, "transactions": 0}

        def count_statement(*_args: object) -> None:
            sent["statements"] += 1

        def count_begin(*_args: object) -> None:
            sent["transactions"] += 1

        engines = {id(e): e for e in (runtime.db.engine, runtime.db.library_engine)}.values()
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count_statement)
            event.listen(engine, "begin", count_begin)
        stage_statements = {"grade": 0, "count": 0}
        stage_transactions = {"grade": 0, "count": 0}

        stages: dict[str, list[float]] = {"front": [], "grade": [], "reply": [], "count": []}
        cpu: dict[str, float] = dict.fromkeys(stages, 0.0)
        statuses: list[str] = []
        profiler = cProfile.Profile() if args.cprofile else None
        warm = min(50, args.users // 10)
        started = time.perf_counter()
        for number, (user, value, body, headers, response_url) in enumerate(clicks):
            if profiler is not None and number == warm:
                profiler.enable()
            t0, c0 = time.perf_counter(), time.thread_time()
            front(environ_for(body, headers), lambda status, _headers: statuses.append(status))
            t1, c1 = time.perf_counter(), time.thread_time()
            s1, x1 = sent["statements"], sent["transactions"]
            result = runtime.answering.answer_daily(
                team_id=TEAM, channel_id=CHANNEL, user_id=user, value=value
            )
            t2, c2 = time.perf_counter(), time.thread_time()
            if number >= warm:
                stage_statements["grade"] += sent["statements"] - s1
                stage_transactions["grade"] += sent["transactions"] - x1
            runtime.replies.response_urls.post(
                response_url,
                {"response_type": "ephemeral", "replace_original": False, **result.reply.payload()},
            )
            t3, c3 = time.perf_counter(), time.thread_time()
            if result.recorded_post_id is not None:
                runtime.counts.answered(result.recorded_post_id, team_id=TEAM)
            t4, c4 = time.perf_counter(), time.thread_time()
            if number >= warm:
                for name, (a, b, ca, cb) in {
                    "front": (t0, t1, c0, c1),
                    "grade": (t1, t2, c1, c2),
                    "reply": (t2, t3, c2, c3),
                    "count": (t3, t4, c3, c4),
                }.items():
                    stages[name].append(b - a)
                    cpu[name] += cb - ca
        elapsed = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        measured = max(1, args.users - warm)
        print(
            f"click path, one thread, db {args.db}: {args.users} clicks in {elapsed:.2f} s "
            f"({args.users / elapsed:,.0f} clicks/s sequential); first {warm} not timed (warm-up)"
        )
        total_cpu = sum(cpu.values())
        for name, values_ in stages.items():
            print(
                f"  {name:<6} CPU {cpu[name] / measured * 1e3:6.2f} ms/click ({cpu[name] / total_cpu:5.1%}); "
                f"wall {summary_ms(values_)}"
            )
        print(
            f"  total  CPU {total_cpu / measured * 1e3:6.2f} ms/click "
            f"-> at most {measured / total_cpu:,.0f} clicks/s per core (GIL-bound worker)"
        )
        print(
            f"  database per click (grade): {stage_statements['grade'] / measured:.1f} statements in "
            f"{stage_transactions['grade'] / measured:.2f} transactions"
        )

        outbox = getattr(runtime, "outbox", None)
        if outbox is not None:
            outbox.drain(30)
        with runtime.db.reading() as session:
            stored = session.execute(select(func.count()).where(Answer.post_id == post_id)).scalar_one()
        replies = [c for c in fake.calls("response_url") if c.ok]
        runtime.close()
        print("\ncorrectness:")
        checks.check(
            all(s.startswith("200") for s in statuses), "front acked 200", f"{len(statuses)} requests"
        )
        checks.check(stored == args.users, "every answer stored once", f"{stored} of {args.users}")
        checks.check(len(replies) == args.users, "every reply accepted", f"{len(replies)} of {args.users}")

        if profiler is not None:
            profiler.dump_stats(args.cprofile)
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime")
            stats.print_stats(args.top)
            print(f"\ncProfile (all stages, by own time; full stats in {args.cprofile}):")
            print("\n".join(stream.getvalue().splitlines()[: args.top + 12]))
    print(f"machine at the end: {machine_load()}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
