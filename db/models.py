"""SQLAlchemy 2.x typed models. Uniqueness that matters (one post per channel and quiz day,
one answer per post and user) is enforced by the database, not only by code."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints so Alembic batch migrations can find them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


CLAIMED = "claimed"


class ClaimedMessage:
    """The columns of a message delivered to Slack exactly once (a daily post, a season recap,
    a reminder DM): claimed under the leader's fencing token before Slack is called, then
    marked with the message ts once Slack took it (status `DELIVERED`)."""

    DELIVERED: ClassVar[str] = "posted"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=CLAIMED)
    fencing_token: Mapped[int | None] = mapped_column(BigInteger, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(128), default=None)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


# A question id: a shipped one (`basics-1`), or a workspace's own, `own/<team>/<local id>`.
QUESTION_ID_CHARS = 128


class Schedule(Base):
    """When a channel gets its daily question: local time, IANA zone and weekdays."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    days: Mapped[str] = mapped_column(String(32))  # "mon,tue,wed,thu,fri"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set when Slack says the bot cannot post there (not_in_channel, is_archived, ...).
    flagged_error: Mapped[str | None] = mapped_column(String(64), default=None)
    flagged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class Post(ClaimedMessage, Base):
    """One daily question in one channel on one quiz day.

    Lifecycle: `claimed` (row written under the leader's fencing token, before Slack is
    called) -> `open` (Slack accepted it, `message_ts` known) -> `closed` (revealed).
    """

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "quiz_day"),
        Index("ix_posts_channel_status", "team_id", "channel_id", "status"),
    )
    DELIVERED: ClassVar[str] = "open"

    quiz_day: Mapped[dt.date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_CHARS))
    # The version of the question the message showed (its body's hash, `question_versions`):
    # grading, replies, the reveal and insights use that text on every replica. NULL on posts
    # made before versions existed: those read the question as the bank has it.
    question_version: Mapped[str | None] = mapped_column(String(16), default=None)
    cycle: Mapped[int] = mapped_column(Integer, default=0)  # passes through its set of questions
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Coalesced answer-count refreshes: at most one chat.update per message per window.
    count_refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The count the message last showed (Slack accepted the update): a refresh lost with a
    # dead replica shows as a difference from the stored answers (services/replies.py).
    count_shown: Mapped[int | None] = mapped_column(Integer, default=None)
    # When Slack took the closed message's reveal; NULL while a closed post still owes it.
    revealed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class Answer(Base):
    """A user's first (and only counted) answer to a daily question."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        Index("ix_answers_channel_day", "team_id", "channel_id", "quiz_day"),
        Index("ix_answers_user", "team_id", "channel_id", "user_id", "quiz_day"),
        Index("ix_answers_latest", "team_id", "user_id", "answered_at"),  # App Home's last verdicts
        Index(
            "ix_answers_unfolded",
            "id",
            sqlite_where=text("folded IS NULL"),
            postgresql_where=text("folded IS NULL"),
        ),
        # Answers whose private reply is still owed (few, so a partial index).
        Index(
            "ix_answers_unreplied",
            "answered_at",
            sqlite_where=text("replied_at IS NULL"),
            postgresql_where=text("replied_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    quiz_day: Mapped[dt.date] = mapped_column(Date)
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_CHARS))
    option_index: Mapped[int] = mapped_column(Integer)  # index in the bank file, not as shown
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # When the private reply reached Slack; NULL while it is owed, so an answer acknowledged
    # just before a crash still gets its reply (services/replies.py).
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # True once its effects are in the caches (db.derived); NULL while they are not.
    folded: Mapped[bool | None] = mapped_column(Boolean, default=None)


class UserStats(Base):
    """A cache of the answers (db.derived): totals and streaks per (team, channel, user), so
    stats and leaderboards never rescan all answers."""

    __tablename__ = "user_stats"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    # The streak as of `last_answered_day`; a closed quiz day after it (a miss) zeroes it.
    current_streak: Mapped[int] = mapped_column(Integer, default=0)
    longest_streak: Mapped[int] = mapped_column(Integer, default=0)
    last_answered_day: Mapped[dt.date | None] = mapped_column(Date, default=None)
    first_answered_day: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # Streak freezes: earned one per 7 consecutive correct quiz days, at most 2 held, spent
    # on a missed quiz day. `freeze_progress` counts toward the next one.
    freezes_held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    freezes_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    freeze_progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PeriodTotal(Base):
    """A cache of the answers (db.derived): totals per person per week and month (by quiz
    day), so week and month leaderboards never re-aggregate the period's answers."""

    __tablename__ = "period_totals"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)  # "week" | "month"
    period_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)


class Lease(Base):
    """A named lease for leader election among replicas; `token` only ever increases."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    token: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    renewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class QuizTeam(Base):
    """A named team in one channel's competition."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))  # the Slack workspace
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class QuizTeamMember(Base):
    """A person's team in a channel: at most one team per person per channel."""

    __tablename__ = "team_members"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # the column keeps its first name (team_pk): renaming it would need every replica stopped
    quiz_team_id: Mapped[int] = mapped_column(
        "team_pk", ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SeasonPost(ClaimedMessage, Base):
    """The monthly recap of a channel's last month, posted once (claimed like daily posts)."""

    __tablename__ = "season_posts"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "month"),)

    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month recapped


class Workspace(Base):
    """A workspace served in multi-workspace mode: how its bot token is found (its own install,
    or its organisation's org-wide install) and whether the app is installed there. The tokens
    themselves live, encrypted, in `slack_bots` and `slack_installations` (slack_sdk's store)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    org_install: Mapped[bool] = mapped_column(Boolean, default=False)  # covered by an org-wide install
    status: Mapped[str] = mapped_column(String(16), default="installed")  # installed | uninstalled
    installed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    uninstalled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class ReviewCard(Base):
    """A cache of the review log (db.derived): a person's FSRS card for one question (SPEC
    §10), replayed from every graded answer of theirs to it. The columns are fsrs's Card."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "question_id"),
        Index("ix_review_cards_due", "team_id", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_CHARS))
    state: Mapped[int] = mapped_column(Integer)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None] = mapped_column(Integer, default=None)
    stability: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty: Mapped[float | None] = mapped_column(Float, default=None)
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class ReviewLog(Base):
    """Every graded answer, daily, practice or review, as a review of the person's card for the
    question: the source of truth the cards are replayed from (and fsrs.Optimizer's input)."""

    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_log_person", "team_id", "user_id", "question_id", "reviewed_at"),
        Index(
            "ix_review_log_unfolded",
            "id",
            sqlite_where=text("folded IS NULL"),
            postgresql_where=text("folded IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_CHARS))
    rating: Mapped[int] = mapped_column(Integer)  # fsrs.Rating: 1 again, 3 good
    source: Mapped[str] = mapped_column(String(16))  # daily | practice | review | history
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # True once it is in the person's card (db.derived); NULL while it is not.
    folded: Mapped[bool | None] = mapped_column(Boolean, default=None)


class Reminder(Base):
    """A person's opt-in to one direct message a day at a local time (`remind on HH:MM`)."""

    __tablename__ = "reminders"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))  # the person's Slack time zone
    dm_channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReminderDM(ClaimedMessage, Base):
    """One reminder DM to one person on one local day, sent at most once (claimed like daily
    posts; `channel_id` is the DM channel)."""

    __tablename__ = "reminder_dms"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "local_day"),)

    user_id: Mapped[str] = mapped_column(String(32))
    local_day: Mapped[dt.date] = mapped_column(Date)


class QuestionReport(Base):
    """A player's report of a problem with a question (from the private reply or the reveal):
    what they chose and what they wrote. It never touches anyone's score."""

    __tablename__ = "question_reports"
    __table_args__ = (Index("ix_question_reports_open", "team_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_CHARS))
    option_index: Mapped[int | None] = mapped_column(
        Integer, default=None
    )  # the option they chose, in the file
    note: Mapped[str] = mapped_column(String(1000))
    # The version of the question the player saw (NULL before versions existed).
    question_version: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(32), default=None)


class AdminSession(Base):
    """A signed-in dashboard session (SPEC §13), kept here so any replica serves it. The id is
    the SHA-256 of the cookie's random token: a copy of this table signs no one in."""

    __tablename__ = "admin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # idle expiry counts from here
    admin_checked_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime()
    )  # users.info asked again after 10 min


class AdminSignIn(Base):
    """A Sign in with Slack under way: its `state` (hashed), the browser it was started in (the
    hash of a cookie set then), and the `nonce` the id_token must carry. Used once, then deleted."""

    __tablename__ = "admin_sign_ins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class AdminAudit(Base):
    """One change made from the dashboard: who (erased by `forget`, the row stays), what, when."""

    __tablename__ = "admin_audit"
    __table_args__ = (Index("ix_admin_audit_team", "team_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(64))  # report.resolve | schedule.set | schedule.remove
    target: Mapped[str] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SlackBudget(Base):
    """One Slack rate budget (a Web API method in a workspace), shared by every replica: the
    times of the calls granted in the last window (database time, epoch seconds) and, after a
    429, until when Slack asked us to wait. A sliding-window log rather than a counter: Slack
    counts calls per rolling minute, and a counter reset each minute would allow twice the
    floor across a boundary."""

    __tablename__ = "slack_budgets"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" in single-workspace mode
    method: Mapped[str] = mapped_column(String(64), primary_key=True)
    granted: Mapped[str] = mapped_column(Text, default="")  # space-separated epoch seconds
    paused_until: Mapped[float] = mapped_column(Float, default=0.0)


class OutboxSnapshot(Base):
    """What one replica's outbox holds, written every few seconds, so `leader-quiz status`
    (another process) can show the backlog of all replicas."""

    __tablename__ = "outbox_snapshots"

    replica_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(Text)  # JSON: {"kinds": {kind: {...}}, "throttled": {...}}


class QuestionVersion(Base):
    """One version of a question, as shown: the body a post pinned (shipped questions too, so a
    replica running other content still grades an old post by the text it showed). Rows are
    never changed: a changed question gets a new version. `team_id` is "" for the shipped bank."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_CHARS))
    version: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)  # JSON: prompt, options, explanation, difficulty, source, link
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OwnLesson(Base):
    """A lesson a workspace wrote for itself (SPEC §12), in the shipped lessons' shape."""

    __tablename__ = "own_lessons"
    __table_args__ = (UniqueConstraint("team_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    lesson_id: Mapped[str] = mapped_column(String(64))  # the workspace's own id for it
    title: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)  # order among the workspace's own lessons
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


OWN_CURRENT, OWN_RETIRED = "current", "retired"


class OwnQuestion(Base):
    """A workspace's own question: where it sits and which version is current. Its text lives
    in `question_versions`; a retired one keeps its history and is never offered again."""

    __tablename__ = "own_questions"
    __table_args__ = (
        UniqueConstraint("team_id", "local_id"),
        UniqueConstraint("question_id"),
        Index("ix_own_questions_lesson", "team_id", "lesson_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    local_id: Mapped[str] = mapped_column(String(64))  # the id in the workspace's YAML
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_CHARS))  # own/<team>/<local id>
    lesson_id: Mapped[str] = mapped_column(String(64))  # an own_lessons.lesson_id of the workspace
    position: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(16))  # the current version
    status: Mapped[str] = mapped_column(String(16), default=OWN_CURRENT)
    replaced_by: Mapped[str | None] = mapped_column(String(64), default=None)  # a local id
    author_id: Mapped[str | None] = mapped_column(String(32), default=None)  # wrote or approved it
    suggested_by: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class QuestionSuggestion(Base):
    """A member's suggested question, waiting for an admin (approve, edit, reject with a note)."""

    __tablename__ = "question_suggestions"
    __table_args__ = (
        Index("ix_question_suggestions_queue", "team_id", "status", "created_at"),
        Index("ix_question_suggestions_user", "team_id", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))  # who suggested it
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | rejected
    draft: Mapped[str] = mapped_column(Text)  # JSON: the form as they filled it in
    note: Mapped[str | None] = mapped_column(String(500), default=None)  # why it was rejected
    local_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the question it became
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(32), default=None)


class ChannelLessons(Base):
    """Which questions a channel's daily post draws on: `shipped` (the default), `own`, or `both`."""

    __tablename__ = "channel_lessons"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    use: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
