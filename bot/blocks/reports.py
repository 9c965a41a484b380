"""Stats, leaderboard, lessons, help and status replies for the slash command."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
)

from bot.blocks.reviews import due_line, memory_lines
from bot.blocks.teams import TEAM_HELP
from bot.blocks.text import context, escape, period_label, plural, section
from bot.domain.reports import LeaderboardReport, LessonProgress, StatsReport, Status
from bot.domain.reviews import Memory
from db.results import MIN_ANSWERS_FOR_ACCURACY

MAX_LEADERBOARD_ROWS = 15


def lessons_text(lessons: list[LessonProgress]) -> str:
    return "\n".join(f"• {escape(p.lesson)}: {p.completed} / {p.total} completed" for p in lessons)


def render_stats(
    report: StatsReport, *, memory: Memory | None = None, channel_id: str, is_self: bool
) -> tuple[str, list[Block]]:
    s = report.stats
    who = "Your" if is_self else f"<@{s.user_id}>'s"
    summary = (
        f"🔥 Current streak: *{plural(s.current_streak, 'day')}* · longest {s.longest_streak}\n"
        f"✅ {s.correct} correct of {s.answered} answered · accuracy {round(s.accuracy * 100)}%\n"
        f"🧊 Streak freezes: {s.freezes_held} held · {s.freezes_used} used "
        "(one per 7 correct days in a row, at most 2; spent on a missed day)\n"
        f"📅 Answered {s.answered} of {plural(s.quiz_days_since_joining, 'quiz day')} since joining"
    )
    blocks: list[Block] = [
        section(f"*{who} leader-quiz stats in <#{channel_id}>*"),
        section(summary),
        section(f"*Lesson progress*\n{lessons_text(report.lessons)}"),
    ]
    if memory is not None:
        blocks.append(section(f"{due_line(memory)}\n{memory_lines(memory)}"))
    text = f"{who} stats: streak {s.current_streak}, {s.correct}/{s.answered} correct"
    return text, blocks


def render_leaderboard(report: LeaderboardReport, *, viewer: str | None = None) -> tuple[str, list[Block]]:
    label = period_label(report.period, report.start)
    by_accuracy = report.by == "accuracy"
    title = f"🎯 Accuracy leaderboard · {label}" if by_accuracy else f"🏆 Leaderboard · {label}"
    header = HeaderBlock(text=PlainTextObject(text=title))
    if not report.rows:
        return f"No answers yet ({label}).", [
            header,
            section(f"No answers in <#{report.channel_id}> yet ({label})."),
        ]
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = [
        f"{medals.get(r.rank, f'{r.rank}.')} <@{r.user_id}> — "
        + (
            f"*{round(r.accuracy * 100)}%* of {r.answered} · {r.correct} correct"
            if by_accuracy
            else f"*{r.correct}* correct · 🔥{r.current_streak} · {round(r.accuracy * 100)}%"
        )
        for r in report.rows[:MAX_LEADERBOARD_ROWS]
    ]
    blocks: list[Block] = [header, section("\n".join(lines))]
    mine = next((r for r in report.rows if r.user_id == viewer), None)
    note = (
        f"Ranked by accuracy among people with at least {MIN_ANSWERS_FOR_ACCURACY} answers, fair to late joiners."
        if by_accuracy
        else "Ranked by correct answers, then current streak, then accuracy."
    )
    if mine is not None and mine.rank > MAX_LEADERBOARD_ROWS:
        note = f"You are #{mine.rank} with {mine.correct} correct. " + note
    blocks.append(context(note))
    return f"Leaderboard ({label})", blocks


def render_lessons(
    lessons: list[LessonProgress], ids: list[str], *, note: str | None = None
) -> tuple[str, list[Block]]:
    lines = [
        f"{number}. *{escape(p.lesson)}* (`{lesson_id}`): {p.completed} / {p.total} completed"
        for number, (p, lesson_id) in enumerate(zip(lessons, ids, strict=True), start=1)
    ]
    return "Lessons", [
        section("*Lessons*\n" + "\n".join(lines)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Practise one with `/leader-quiz practice <number>`" + (f" · {note}" if note else "")
                )
            ]
        ),
    ]


HELP_TEXT = """*/leader-quiz* — one leader-election question a day, answered with a button.
• `/leader-quiz` or `/leader-quiz practice [lesson]` — a practice question just for you
  (counts toward lesson progress, never streaks)
• `/leader-quiz stats [@user]` — streaks, accuracy and lesson progress
• `/leader-quiz leaderboard [accuracy] [week|month|all]` — this channel's ranking (default: this month);
  `accuracy` ranks by share right among people with at least 5 answers, fair to late joiners
• `/leader-quiz lessons` — the lessons and your progress in each
• `/leader-quiz review` — your due reviews, one at a time (spaced repetition: what you missed comes back)
• `/leader-quiz remind on [HH:MM]` · `remind off` — at most one DM a day at your local time, when reviews
  are due or a streak of 3+ is at risk (default 09:00)
• `/leader-quiz help` — this message
*Admins* (workspace admins and owners, and QUIZ_ADMINS):
• `/leader-quiz schedule HH:MM ZONE DAYS` — e.g. `schedule 09:30 Europe/Berlin mon-fri`
  (DAYS: `mon-fri`, `daily`, `mon,wed,fri`)
• `/leader-quiz schedule off` — stop daily questions here · `/leader-quiz schedule` — show it
• `/leader-quiz post` — post today's question here now
• `/leader-quiz status` — schedules, next post times and the current leader
• `/leader-quiz insights [week|month|all]` — what the channel gets wrong: per question, per lesson
• `/leader-quiz reports` — players' reports of problems with questions · `reports resolve N`"""


OWN_HELP = """*Your team's own questions* (about your own systems, beside the curriculum):
• `/leader-quiz suggest` — suggest one (a form); an admin adds, edits or declines it, and you hear which
• `/leader-quiz author` (admins) — write one in a form; App Home lists suggestions to approve
• `/leader-quiz lessons use shipped|own|both` (admins) — what this channel's daily questions draw on
  (`both`: your own and the curriculum's take turns)
• `/leader-quiz retire <id>` (admins) — take one of your own questions out of rotation; its history stays"""


def render_help(unknown: str | None = None) -> tuple[str, list[Block]]:
    blocks: list[Block] = []
    if unknown:
        blocks.append(section(f"I don't know `{unknown[:50]}`. Here is what I can do:"))
    blocks.append(section(HELP_TEXT))
    blocks.append(section(TEAM_HELP))
    blocks.append(section(OWN_HELP))
    return "leader-quiz help", blocks


def format_when(when: dt.datetime | None, zone: str) -> str:
    if when is None:
        return "—"
    return when.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")


def render_status(status: Status, *, leads_here: bool) -> str:
    """`/leader-quiz status`: who leads, and this workspace's channels with their next post."""
    leader = (
        f"Leader: `{status.leader}` · fencing token {status.token} · lease until "
        f"{format_when(status.lease_expires_at, 'UTC')}"
        if status.leader
        else "Leader: none yet"
    )
    lines = [
        f"• <#{c.channel_id}>: {c.schedule} · next {format_when(c.next_post_at, c.timezone)}"
        + (f" · ⚠️ flagged: {c.flagged}" if c.flagged else "")
        for c in status.channels
    ]
    this_replica = "this replica leads" if leads_here else "this replica follows"
    body = "\n".join(lines) or "No schedules yet."
    return f"*leader-quiz status*\n{leader} ({this_replica})\n{body}"
