"""Replies to `/leader-quiz stats`, `leaderboard` and `lessons` (pure builders)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, PlainTextObject

from bot.blocks.reviews import due_line, memory_lines
from bot.blocks.text import context, escape, period_label, plural, section
from bot.domain.reviews import Memory
from bot.domain.stats import LeaderboardReport, LessonProgress, StatsReport
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
