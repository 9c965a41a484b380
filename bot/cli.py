"""`leader-quiz`: serve the bot, post, manage schedules, read stats, export answers, check content,
migrate."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

from dotenv import load_dotenv

from bot.config import ConfigError, Settings, load_settings

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _fail(message: str, code: int = EXIT_FAIL) -> int:
    print(f"leader-quiz: {message}", file=sys.stderr)
    return code


def _database_url() -> str:
    from bot.config import DEFAULT_DATABASE_URL

    return os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


OFFLINE_TOKEN = "xoxb-offline"  # a placeholder: commands that need Slack check for it


def _offline_settings() -> Settings:
    """Settings for commands that never talk to Slack: no token needed (in multi-workspace
    mode the OAuth settings are read as `serve` reads them)."""
    env = dict(os.environ)
    if not env.get("SLACK_BOT_TOKEN", "").strip() and not env.get("SLACK_CLIENT_ID", "").strip():
        env["SLACK_BOT_TOKEN"] = OFFLINE_TOKEN
    return load_settings(env, require_signing_secret=False)


TEAM_NEEDED = "cannot tell this channel's workspace: pass --team T0123"


def _runtime(settings: Settings):
    """The whole app (Slack clients, the outbox, the scheduler): for commands that send or
    schedule."""
    from bot.runtime import build_runtime
    from db.migrate import ensure_current

    ensure_current(settings.database_url)
    return build_runtime(settings)


def _reading(settings: Settings):
    """The database, bank and reports only: for commands that read (bot.reading)."""
    from bot.reading import build_reading

    return build_reading(settings)


def _resolve_team(runtime, channel_id: str, explicit: str | None, *, ask_slack: bool) -> str | None:
    """The workspace of a channel: --team, else the channel's schedule or posts, else (with
    `ask_slack`, given the whole runtime) auth.test."""
    if explicit:
        return explicit
    from sqlalchemy import select

    from db.models import Post, UserStats
    from db.queries.schedules import find_channel_schedule

    with runtime.db.reading() as session:
        schedule = find_channel_schedule(session=session, channel_id=channel_id)
        if schedule is not None:
            return schedule.team_id
        for column, where in ((Post.team_id, Post.channel_id), (UserStats.team_id, UserStats.channel_id)):
            team = session.execute(select(column).where(where == channel_id).limit(1)).scalar()
            if team:
                return team
    if ask_slack and not runtime.settings.multi_workspace:  # the one workspace the token belongs to
        client = runtime.clients.for_team("")
        return client.auth_test()["team_id"] if client is not None else None
    return None


# -- commands ---------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from bot.logging_setup import configure_logging
    from content import ContentError

    try:
        settings = load_settings()
    except ConfigError as error:
        return _fail(str(error), EXIT_USAGE)
    configure_logging(settings.log_level, settings.secrets(), settings.log_format)
    if settings.log_format == "json":  # the log holds JSON lines only
        logging.getLogger("bot.cli").info("leader-quiz: %s", settings.mode_line())
    else:
        print(f"leader-quiz: {settings.mode_line()}", file=sys.stderr, flush=True)
    try:
        settings.load_bank()
    except ContentError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return _fail("the question bank is invalid; fix the lines above (leader-quiz content check)")
    # Migrate in a child process: alembic and the engine then never sit in the gunicorn
    # master (nor, through fork, in the worker), which keeps an idle replica small.
    migrated = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], stdout=subprocess.DEVNULL)
    if migrated.returncode != 0:
        return _fail("the database at DATABASE_URL could not be migrated (see above)")
    from bot.server import serve

    serve(settings)
    return EXIT_OK


def cmd_post(args: argparse.Namespace) -> int:
    from bot.services.daily_posts import PostStatus
    from quiz.schedule import ScheduleError, parse_date

    try:
        settings = load_settings(require_signing_secret=False)
        day = parse_date(args.date) if args.date else None
    except (ConfigError, ScheduleError) as error:
        return _fail(str(error), EXIT_USAGE)
    runtime = _runtime(settings)
    team = _resolve_team(runtime, args.channel, args.team, ask_slack=True)
    if team is None:
        return _fail(TEAM_NEEDED, EXIT_USAGE)
    try:
        day, outcome = runtime.posts.post_now(team_id=team, channel_id=args.channel, day=day)
    finally:
        runtime.close()  # the previous question's reveal leaves through the outbox first
    if outcome.status is PostStatus.POSTED:
        print(f"posted {outcome.question_id} to {args.channel} for {day} (ts {outcome.message_ts})")
        return EXIT_OK
    if outcome.status is PostStatus.NO_TOKEN:
        return _fail(f"the app is not installed in workspace {team}: install it with /slack/install first")
    if outcome.status in (PostStatus.ALREADY_POSTED, PostStatus.IN_PROGRESS):
        print(f"{args.channel} already has its question for {day} ({outcome.question_id}); nothing posted")
        return EXIT_OK
    return _fail(
        f"not posted to {args.channel} for {day}: {outcome.status.value} {outcome.error or ''}".strip()
    )


def cmd_schedule(args: argparse.Namespace) -> int:
    from quiz.schedule import ScheduleError, parse_schedule

    settings = _offline_settings()
    if args.action == "set":
        try:
            spec = parse_schedule(args.time, args.tz, args.days)
        except ScheduleError as error:
            return _fail(f"schedule not saved: {error}", EXIT_USAGE)
    runtime = _runtime(settings)
    if args.action == "list":
        rows = runtime.schedules.list()
        for s in rows:
            flag = f"  FLAGGED: {s.flagged_error}" if s.flagged_error else ""
            print(f"{s.team_id} {s.channel_id} {s.hour:02d}:{s.minute:02d} {s.timezone} {s.days}{flag}")
        if not rows:
            print("no schedules")
        return EXIT_OK
    has_token = not settings.slack_bot_token.endswith("offline")
    team = _resolve_team(runtime, args.channel, args.team, ask_slack=has_token)
    if team is None:
        return _fail(TEAM_NEEDED, EXIT_USAGE)
    if args.action == "remove":
        removed = runtime.schedules.remove(team_id=team, channel_id=args.channel)
        print(f"removed the schedule of {args.channel}" if removed else f"{args.channel} had no schedule")
        return EXIT_OK
    runtime.schedules.set(team_id=team, channel_id=args.channel, spec=spec)
    print(f"{args.channel}: {spec.describe()}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    runtime = _reading(_offline_settings())
    team = _resolve_team(runtime, args.channel, args.team, ask_slack=False) or ""
    report = runtime.stats.stats(team_id=team, channel_id=args.channel, user_id=args.user)
    if args.json:
        print(json.dumps(report.as_json()))
        return EXIT_OK
    s = report.stats
    print(f"{s.user_id} in {s.channel_id}: current streak {s.current_streak}, longest {s.longest_streak}")
    print(f"answered {s.answered}, correct {s.correct}, accuracy {round(s.accuracy * 100)}%")
    print(f"streak freezes: {s.freezes_held} held, {s.freezes_used} used")
    print(f"answered {s.answered} of {s.quiz_days_since_joining} quiz days since joining")
    for p in report.lessons:
        print(f"  {p.lesson}: {p.completed} / {p.total} completed")
    return EXIT_OK


def cmd_leaderboard(args: argparse.Namespace) -> int:
    runtime = _reading(_offline_settings())
    team = _resolve_team(runtime, args.channel, args.team, ask_slack=False) or ""
    report = runtime.stats.leaderboard(
        team_id=team, channel_id=args.channel, period=args.period, limit=args.limit
    )
    if args.json:
        print(json.dumps(report.as_json()))
        return EXIT_OK
    if not report.rows:
        print(f"no answers in {args.channel} ({args.period})")
    for r in report.rows:
        print(
            f"{r.rank:>3}. {r.user_id:<12} correct {r.correct:>4}  answered {r.answered:>4}  "
            f"accuracy {round(r.accuracy * 100):>3}%  streak {r.current_streak} (longest {r.longest_streak})"
        )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """A channel's answers (or, with --summary, one row per person) as CSV on stdout; with
    --user, everything stored about one person as JSON."""
    from bot.services.export import write_answers, write_summary

    if bool(args.user) == bool(args.channel):
        return _fail(
            "export needs exactly one of --channel C (answers as CSV) or --user U (JSON)", EXIT_USAGE
        )
    runtime = _reading(_offline_settings())
    if args.user:
        from bot.services.people import export

        try:
            print(json.dumps(export(runtime.db, user_id=args.user, team_id=args.team), indent=2))
        finally:
            runtime.close()
        return EXIT_OK
    team = _resolve_team(runtime, args.channel, args.team, ask_slack=False) or ""
    start, end = runtime.stats.period(team_id=team, channel_id=args.channel, period=args.period)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(newline="")  # the csv module writes its own line endings
    try:
        if args.summary:
            write_summary(
                sys.stdout, db=runtime.db, team_id=team, channel_id=args.channel, start=start, end=end
            )
        else:
            write_answers(
                sys.stdout,
                db=runtime.db,
                question=lambda question_id, version: runtime.catalog.version_of(team, question_id, version),
                team_id=team,
                channel_id=args.channel,
                start=start,
                end=end,
            )
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has gone, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        runtime.db.dispose()
    return EXIT_OK


def cmd_forget(args: argparse.Namespace) -> int:
    """Erase a person everywhere (SPEC §3): their rows deleted, their name taken off rows that
    stay, and the answer count on open questions they had answered refreshed."""
    settings = _offline_settings()
    runtime = _runtime(settings)
    try:
        forgotten = runtime.people.forget(user_id=args.user, team_id=args.team)
        can_reach_slack = settings.multi_workspace or settings.slack_bot_token != OFFLINE_TOKEN
        if forgotten.open_posts and can_reach_slack:
            # Let the count refreshes (one window at most) reach Slack before exiting.
            runtime.outbox.drain(settings.count_update_seconds + 2)
    finally:
        runtime.close()
    where = f" in {args.team}" if args.team else ""
    if not forgotten.deleted and not forgotten.redacted:
        print(f"nothing stored about {args.user}{where}")
    for table, count in sorted(forgotten.deleted.items()):
        print(f"{table}: {count} rows deleted")
    for table, count in sorted(forgotten.redacted.items()):
        print(f"{table}: {count} rows no longer name {args.user}")
    if forgotten.open_posts:
        print(f"answer counts refreshed on {len(forgotten.open_posts)} open questions")
    return EXIT_OK


def cmd_insights(args: argparse.Namespace) -> int:
    """Per question: answered, share right first time, the most-chosen wrong option; per lesson:
    the share of the channel's people's cards remembered now."""
    runtime = _reading(_offline_settings())
    team = _resolve_team(runtime, args.channel, args.team, ask_slack=False) or ""
    report = runtime.insights.insights(team_id=team, channel_id=args.channel, period=args.period)
    if args.json:
        print(json.dumps(report.as_json()))
        return EXIT_OK
    if not report.questions:
        print(f"no answers in {args.channel} ({args.period})")
    for q in report.questions:
        wrong = (
            f"; most chosen wrong: {q.top_wrong_option!r} ({round(q.top_wrong_share * 100)}%)"
            if q.top_wrong_option
            else ""
        )
        print(
            f"{q.question_id}: {q.answered} answered, {round(q.first_right_share * 100)}% right first time{wrong}"
        )
    for lesson in report.lessons:
        if lesson.cards:
            print(
                f"  {lesson.lesson}: {round(lesson.remembered_share * 100)}% remembered now ({lesson.cards} cards)"
            )
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from bot.services.status import read_status

    runtime = _runtime(_offline_settings())
    status = read_status(db=runtime.db, now=runtime.clock.now())
    if args.json:
        print(json.dumps(status.as_json()))
        return EXIT_OK
    data = status.as_json()
    alive = "alive" if data["leader_alive"] else "expired"
    print(
        f"leader: {status.leader or 'none'}  token: {status.token}  lease until: {data['lease_expires_at']} ({alive})"
    )
    for c in data["channels"]:
        flag = f"  FLAGGED: {c['flagged']}" if c["flagged"] else ""
        print(f"{c['team']} {c['channel']}: {c['schedule']}  next post: {c['next_post_at']}{flag}")
    if status.outbox is not None:
        print(status.outbox.describe())
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the configuration against Slack and the database; exit 1 when a check fails."""
    from bot.domain.doctor import Check, DoctorReport

    try:
        settings = load_settings(require_signing_secret=False)  # the doctor checks it itself
    except ConfigError as error:
        fix = "set it in the environment or in .env (README 'Configuration')"
        report = DoctorReport((Check("configuration", False, str(error), fix),))
    else:
        from bot.runtime import build_doctor

        doctor = build_doctor(settings)
        try:
            report = doctor.run(team=args.team)
        finally:
            doctor.db.dispose()
    print(json.dumps(report.as_json(), ensure_ascii=False) if args.json else "\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_content(args: argparse.Namespace) -> int:
    handlers = {
        "reports": cmd_content_reports,
        "check": cmd_content_check,
        "import": cmd_content_import,
        "export": cmd_content_export,
        "list": cmd_content_list,
    }
    if args.action in ("import",) and not args.target:
        return _fail("content import needs a FILE or DIR of lesson YAML, and --team T", EXIT_USAGE)
    return handlers[args.action](args)


def _workspace(runtime, explicit: str | None) -> str | None:
    """--team, or in single-workspace mode with a token, the token's workspace (auth.test)."""
    if explicit:
        return explicit
    settings = runtime.settings
    if settings.multi_workspace or settings.slack_bot_token == OFFLINE_TOKEN:
        return None
    client = runtime.clients.for_team("")
    return client.auth_test()["team_id"] if client is not None else None


def cmd_content_import(args: argparse.Namespace) -> int:
    """A workspace's own lessons from a YAML file or folder (SPEC §12): each file checked as the
    shipped bank is (`file:line: problem`; a file with one is not imported), the pack's
    blind-strategy figures shown, and its limits enforced from 10 questions of its own."""
    from pathlib import Path

    runtime = _runtime(_offline_settings())
    try:
        team = _workspace(runtime, args.team)
        if team is None:
            return _fail("content import needs the workspace: pass --team T0123", EXIT_USAGE)
        target = Path(args.target)
        if not target.exists():
            return _fail(f"{target}: no such file or folder", EXIT_USAGE)
        report = runtime.own.import_pack(team_id=team, target=target)
    finally:
        runtime.close()
    if report.problems:
        print("\n".join(report.problems))
    if report.cues is not None:
        print("\n".join(report.cues.table()))
    if report.cue_problems:
        print("\n".join(report.cue_problems))
        print(f"nothing imported: with 10 or more questions of its own, {team}'s pack keeps the limits above")
        return EXIT_FAIL
    if report.skipped:
        print(f"not imported (fix the lines above): {', '.join(report.skipped)}")
    if report.imported:
        counts = report.counts
        print(
            f"imported {report.lessons} lessons into {team}: {counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged questions"
        )
    elif not report.problems:
        print("nothing to import")
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_content_export(args: argparse.Namespace) -> int:
    """A workspace's own lessons as YAML on stdout (what `content import` reads back)."""
    runtime = _runtime(_offline_settings())
    try:
        team = _workspace(runtime, args.team)
        if team is None:
            return _fail("content export needs the workspace: pass --team T0123", EXIT_USAGE)
        text = runtime.own.export_pack(team_id=team)
    finally:
        runtime.close()
    if not text:
        print(f"{team} has no questions of its own", file=sys.stderr)
        return EXIT_OK
    sys.stdout.write(text)
    return EXIT_OK


def cmd_content_list(args: argparse.Namespace) -> int:
    """A workspace's own questions: lesson, id, state, version, the scene."""
    runtime = _runtime(_offline_settings())
    try:
        team = _workspace(runtime, args.team)
        if team is None:
            return _fail("content list needs the workspace: pass --team T0123", EXIT_USAGE)
        listed = runtime.own.listing(team_id=team)
        waiting = runtime.own.pending(team_id=team)
    finally:
        runtime.close()
    if args.json:
        print(
            json.dumps(
                {
                    "team": team,
                    "questions": [
                        {
                            "id": q.question_id,
                            "local_id": q.local_id,
                            "lesson": q.lesson_id,
                            "position": q.position,
                            "retired": q.retired,
                            "version": q.version,
                            "versions": q.versions,
                            "prompt": q.prompt,
                        }
                        for q in listed
                    ],
                    "suggestions_waiting": waiting,
                }
            )
        )
        return EXIT_OK
    if not listed:
        print(f"{team} has no questions of its own")
    lesson = None
    for q in listed:
        if q.lesson_id != lesson:
            lesson = q.lesson_id
            print(f"{q.lesson} ({q.lesson_id})")
        state = "retired" if q.retired else f"#{q.position}"
        prompt = q.prompt if len(q.prompt) <= 70 else q.prompt[:69] + "…"
        versions = f"{q.versions} version{'s' if q.versions != 1 else ''}"
        print(f"  {q.local_id:<24} {state:<8} v{q.version} ({versions})  {prompt}")
    print(f"{waiting} suggestions waiting for an admin")
    return EXIT_OK


def cmd_lessons(args: argparse.Namespace) -> int:
    """Which questions a channel's daily post draws on: shipped, own or both."""
    settings = _offline_settings()
    runtime = _runtime(settings)
    try:
        has_token = settings.multi_workspace or settings.slack_bot_token != OFFLINE_TOKEN
        team = _resolve_team(
            runtime, args.channel, args.team, ask_slack=has_token and not settings.multi_workspace
        )
        if team is None:
            return _fail(TEAM_NEEDED, EXIT_USAGE)
        print(
            f"{args.channel}: {runtime.own.set_channel_use(team_id=team, channel_id=args.channel, use=args.choice)}"
        )
    finally:
        runtime.close()
    return EXIT_OK


def cmd_content_reports(args: argparse.Namespace) -> int:
    """Players' open reports of problems with questions (every workspace's, or --team's);
    `--resolve N` marks one resolved."""
    runtime = _runtime(_offline_settings())
    try:
        if args.resolve is not None:
            if not runtime.problem_reports.resolve(team_id=args.team, report_id=args.resolve, by="cli"):
                return _fail(f"there is no open report #{args.resolve}")
            print(f"report #{args.resolve} resolved")
            return EXIT_OK
        reports = runtime.problem_reports.open(team_id=args.team)
    finally:
        runtime.close()
    if args.json:
        print(json.dumps({"reports": [report.as_json() for report in reports]}))
        return EXIT_OK
    if not reports:
        print("no open reports")
    for report in reports:
        chosen = f" (chose: {report.chosen})" if report.chosen else ""
        print(
            f"#{report.id} {report.question_id} from {report.user_id} in {report.team_id}{chosen}: {report.note}"
        )
    return EXIT_OK


def cmd_content_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from content import ContentError, load_bank
    from content.bank import LESSONS_DIR
    from content.cues import measure

    directory = Path(args.path or os.environ.get("CONTENT_DIR", "").strip() or LESSONS_DIR)
    try:
        bank = load_bank(directory)
    except ContentError as error:
        print("\n".join(error.problems))
        return EXIT_FAIL
    cues = measure(bank)
    print("\n".join(cues.table()))
    if cues.problems():
        print("\n".join(cues.problems()))
        return EXIT_FAIL
    retired = f", {len(bank.retired)} retired" if bank.retired else ""
    print(f"ok: {len(bank.lessons)} lessons, {len(bank.questions)} questions{retired}")
    return EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete every row of a workspace (after it uninstalled the app, SPEC §9)."""
    from db.queries import workspaces as workspace_queries

    runtime = _runtime(_offline_settings())
    try:
        with runtime.db.reading() as session:
            workspace = workspace_queries.get(session=session, team_id=args.team)
        installed = workspace is not None and workspace.status == workspace_queries.INSTALLED
        if (installed or (workspace is None and not runtime.settings.multi_workspace)) and not args.force:
            return _fail(
                f"{args.team} is not uninstalled: uninstall the app there first, or pass --force to "
                "delete its data anyway",
                EXIT_USAGE,
            )
        with runtime.db.writing() as session:
            removed = workspace_queries.purge(session=session, team_id=args.team)
    finally:
        runtime.close()
    if not removed:
        print(f"nothing stored for {args.team}")
    for table, count in sorted(removed.items()):
        print(f"{table}: {count} rows deleted")
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    from db.token_cipher import new_key

    print(new_key())
    return EXIT_OK


def cmd_tokens(args: argparse.Namespace) -> int:
    """Re-encrypt every stored workspace token with the first TOKEN_ENCRYPTION_KEY."""
    settings = _offline_settings()
    if not settings.multi_workspace:
        return _fail("tokens are stored only in multi-workspace mode (SLACK_CLIENT_ID)", EXIT_USAGE)
    runtime = _runtime(settings)
    try:
        assert runtime.installs is not None
        count = runtime.installs.store.reencrypt()
    finally:
        runtime.close()
    print(f"re-encrypted {count} rows with the first key; the other keys can now be removed")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the SQLite database, safe while `serve` runs; for PostgreSQL, the
    pg_dump command to run instead (exit 2)."""
    from pathlib import Path

    from db.backup import BackupError, backup_sqlite, pg_dump_command
    from db.engine import is_sqlite

    url, target = _database_url(), Path(args.to)
    if not is_sqlite(url):
        print(pg_dump_command(url, target))
        return _fail(
            "backup copies SQLite databases; for PostgreSQL run the pg_dump command above "
            "(README 'Backups'; the password comes from PGPASSWORD or ~/.pgpass)",
            EXIT_USAGE,
        )
    try:
        made = backup_sqlite(url, target, force=args.force)
    except (BackupError, OSError) as error:
        return _fail(f"no backup made: {error}")
    print(f"backed up {made.source} to {made.target} ({made.pages} pages, {made.size} bytes, integrity ok)")
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    from db.migrate import current_revision, upgrade

    url = _database_url()
    try:
        upgrade(url)
    except Exception as error:
        return _fail(f"cannot migrate DATABASE_URL: {type(error).__name__}: {error}".splitlines()[0])
    if args.action == "upgrade":
        print(f"database at revision {current_revision(url)}")
        return EXIT_OK
    return _rebuild_caches(url)


def _rebuild_caches(url: str) -> int:
    """Recompute the streaks, totals and review cards from the answers and the review log, in
    one transaction (readers see the old caches until it commits)."""
    from db import derived
    from db.engine import Database

    db = Database(url)
    try:
        with db.writing() as session:
            folded = derived.rebuild(session=session)
            sizes = derived.cache_sizes(session=session)
    finally:
        db.dispose()
    print(
        f"rebuilt the caches from {folded} answers and review-log rows: "
        + ", ".join(f"{name} {count} rows" for name, count in sizes.items())
    )
    return EXIT_OK


# -- parser -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leader-quiz", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    add("serve", cmd_serve, "run the app: HTTP on $PORT (or Socket Mode) and the scheduler")

    post = add("post", cmd_post, "post a channel's daily question now (idempotent per quiz day)")
    post.add_argument("--channel", required=True)
    post.add_argument("--date", help="quiz day YYYY-MM-DD (default: today in the channel's zone)")
    post.add_argument("--team", help="workspace id (default: from the schedule or auth.test)")

    schedule = add("schedule", cmd_schedule, "set, list or remove channel schedules")
    actions = schedule.add_subparsers(dest="action", required=True, metavar="ACTION")
    set_ = actions.add_parser("set", help="create or replace a channel's schedule")
    set_.add_argument("--channel", required=True)
    set_.add_argument("--time", required=True, help="HH:MM, 24-hour, local to --tz")
    set_.add_argument("--tz", required=True, help="IANA zone, e.g. Europe/Berlin")
    set_.add_argument("--days", default="mon-fri", help="mon-fri, daily, or a list like mon,wed,fri")
    set_.add_argument("--team")
    actions.add_parser("list", help="list schedules")
    remove = actions.add_parser("remove", help="remove a channel's schedule")
    remove.add_argument("--channel", required=True)
    remove.add_argument("--team")

    stats = add("stats", cmd_stats, "a user's streaks, accuracy and lesson progress in a channel")
    stats.add_argument("--channel", required=True)
    stats.add_argument("--user", required=True)
    stats.add_argument("--team")
    stats.add_argument("--json", action="store_true")

    board = add("leaderboard", cmd_leaderboard, "a channel's ranking")
    board.add_argument("--channel", required=True)
    board.add_argument("--period", choices=("week", "month", "all"), default="month")
    board.add_argument("--limit", type=int)
    board.add_argument("--team")
    board.add_argument("--json", action="store_true")

    export = add(
        "export", cmd_export, "a channel's answers as CSV, or everything stored about a person as JSON"
    )
    export.add_argument("--channel", help="the channel whose answers to export (CSV)")
    export.add_argument("--user", help="the person whose data to export (JSON, every table)")
    export.add_argument("--period", choices=("week", "month", "all"), default="month")
    export.add_argument(
        "--summary", action="store_true", help="one row per person: totals, accuracy, streaks"
    )
    export.add_argument(
        "--team", help="workspace id (default: from the channel's schedule or answers; --user: every one)"
    )

    forget = add("forget", cmd_forget, "erase everything stored about a person, as if they never played")
    forget.add_argument("--user", required=True)
    forget.add_argument("--team", help="only in this workspace (default: in every one)")

    insights = add("insights", cmd_insights, "what a channel gets wrong: per question and per lesson")
    insights.add_argument("--channel", required=True)
    insights.add_argument("--period", choices=("week", "month", "all"), default="month")
    insights.add_argument("--team")
    insights.add_argument("--json", action="store_true")

    status = add("status", cmd_status, "schedules, next post times and the current leader")
    status.add_argument("--json", action="store_true")

    doctor = add("doctor", cmd_doctor, "check the configuration against Slack and the database")
    doctor.add_argument("--team", help="multi-workspace mode: check this workspace's installation only")
    doctor.add_argument("--json", action="store_true")

    content = add(
        "content",
        cmd_content,
        "question bank tools: check the bank, read players' reports, a workspace's own lessons "
        "(import FILE|DIR, export, list)",
    )
    content.add_argument("action", choices=("check", "reports", "import", "export", "list"))
    content.add_argument("target", nargs="?", metavar="FILE|DIR", help="import: lesson YAML to import")
    content.add_argument("--path", help="check: a lessons folder to check instead of the shipped bank")
    content.add_argument("--team", help="reports: one workspace's only; import, export, list: the workspace")
    content.add_argument("--resolve", type=int, metavar="N", help="reports: mark report N resolved")
    content.add_argument("--json", action="store_true", help="reports, list: as JSON")

    lessons = add("lessons", cmd_lessons, "which questions a channel's daily post draws on")
    lessons.add_argument("action", choices=("use",))
    lessons.add_argument("choice", choices=("shipped", "own", "both"))
    lessons.add_argument("--channel", required=True)
    lessons.add_argument("--team")

    purge = add("purge", cmd_purge, "delete all data of a workspace (after it uninstalled the app)")
    purge.add_argument("--team", required=True)
    purge.add_argument("--force", action="store_true", help="purge even a workspace still installed")

    backup = add("backup", cmd_backup, "copy the SQLite database safely, even while serve runs")
    backup.add_argument("--to", required=True, metavar="FILE", help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    add("keygen", cmd_keygen, "print a new key (TOKEN_ENCRYPTION_KEY, ADMIN_SESSION_KEY)")
    tokens = add("tokens", cmd_tokens, "stored workspace tokens (multi-workspace mode)")
    tokens.add_argument("action", choices=("reencrypt",))

    db = add(
        "db",
        cmd_db,
        "database tools: upgrade migrates; rebuild recomputes streaks, totals and review cards "
        "from the answers (on SQLite it holds the write lock while it runs)",
    )
    db.add_argument("action", choices=("upgrade", "rebuild"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv(dotenv_path=os.path.join(os.getcwd(), ".env"), override=False)
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
