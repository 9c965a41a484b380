"""What a person's App Home shows, as plain data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.domain.authoring import AuthoringHome
from bot.domain.reviews import Memory
from bot.domain.stats import LessonProgress
from db.results import StatsView


@dataclass(frozen=True)
class HomeChannel:
    """One quiz channel on a person's App Home."""

    stats: StatsView  # the person's in this channel
    month_rank: int | None
    month_ranked: int
    quiz_team: str | None  # the person's quiz team in this channel


@dataclass(frozen=True)
class Verdict:
    """One of a person's latest daily answers, as its private reply said it (App Home keeps
    them: ephemeral replies vanish when Slack reloads)."""

    channel_id: str
    quiz_day: dt.date
    prompt: str
    chosen: str
    answer: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class HomeReport:
    channels: list[HomeChannel]
    lessons: list[LessonProgress]
    memory: Memory | None = None  # due reviews and "remembered now"
    verdicts: list[Verdict] = field(default_factory=list)  # latest first
    authoring: AuthoringHome | None = None  # the workspace's own questions: suggest, or manage
