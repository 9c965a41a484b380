"""A workspace's own questions (SPEC §12): its lessons, its questions and which version of each
is current, the versions themselves (shipped questions' too: what a post pinned), members'
suggestions waiting for an admin, and which questions each channel draws on.

Every read of a workspace's rows is keyed by its `team_id`; a version is found by its question
id, which names the workspace already (`own/<team>/<local id>`, checked by the caller)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import (
    OWN_CURRENT,
    OWN_RETIRED,
    ChannelLessons,
    OwnLesson,
    OwnQuestion,
    QuestionSuggestion,
    QuestionVersion,
)
from db.queries._upsert import insert_for

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
OWN_PREFIX = "own/"
SHIPPED, OWN, BOTH = "shipped", "own", "both"
USES = (SHIPPED, OWN, BOTH)


@dataclass(frozen=True)
class OwnRow:
    """An own question as the catalog needs it: where it sits, its state, its current body."""

    local_id: str
    question_id: str
    lesson_id: str
    position: int
    version: str
    retired: bool
    replaced_by: str | None
    body: dict
    author_id: str | None
    suggested_by: str | None
    updated_at: dt.datetime


def own_question_id(team_id: str, local_id: str) -> str:
    """The id a workspace's own question goes by wherever a question is named (posts, answers,
    cards, reports, exports): `own/<team>/<local id>`. It names the workspace, so it can never
    collide with a shipped id (no `/` in those) or with another workspace's question of the
    same local id, and `/` never clashes with the `:` that separates a button value's parts."""
    return f"{OWN_PREFIX}{team_id}/{local_id}"


def split_own_id(question_id: str) -> tuple[str, str] | None:
    """(workspace, local id) of an own question's id; None for a shipped one."""
    if not question_id.startswith(OWN_PREFIX):
        return None
    team_id, sep, local_id = question_id[len(OWN_PREFIX) :].partition("/")
    return (team_id, local_id) if sep and team_id and local_id else None


# -- versions --------------------------------------------------------------------------------
def save_version(
    *, session: Session, team_id: str, question_id: str, version: str, body: dict, now: dt.datetime
) -> None:
    """Keep a version's body (once: a version never changes)."""
    session.execute(
        insert_for(session, QuestionVersion.__table__)
        .values(
            team_id=team_id,
            question_id=question_id,
            version=version,
            body=json.dumps(body, sort_keys=True, ensure_ascii=False),
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["question_id", "version"])
    )


def version_body(*, session: Session, question_id: str, version: str) -> dict | None:
    body = session.execute(
        select(QuestionVersion.body).where(
            QuestionVersion.question_id == question_id, QuestionVersion.version == version
        )
    ).scalar_one_or_none()
    return json.loads(body) if body is not None else None


def version_count(*, session: Session, question_ids: list[str]) -> dict[str, int]:
    """How many versions each of these questions has had (their ids name their workspace)."""
    if not question_ids:
        return {}
    rows = session.execute(
        select(QuestionVersion.question_id, func.count(QuestionVersion.id))
        .where(QuestionVersion.question_id.in_(question_ids))
        .group_by(QuestionVersion.question_id)
    )
    return {question_id: int(count) for question_id, count in rows}


# -- lessons and questions -------------------------------------------------------------------
def lessons(*, session: Session, team_id: str) -> list[OwnLesson]:
    """The workspace's own lessons, in their order."""
    return list(
        session.execute(
            select(OwnLesson).where(OwnLesson.team_id == team_id).order_by(OwnLesson.position, OwnLesson.id)
        ).scalars()
    )


def questions(*, session: Session, team_id: str) -> list[OwnRow]:
    """Every own question of the workspace (current and retired) with its current body, in
    lesson order then position."""
    rows = session.execute(
        select(OwnQuestion, QuestionVersion.body)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == OwnQuestion.question_id)
            & (QuestionVersion.version == OwnQuestion.version),
        )
        .where(OwnQuestion.team_id == team_id)
        .order_by(OwnQuestion.lesson_id, OwnQuestion.position, OwnQuestion.id)
    )
    return [
        OwnRow(
            local_id=row.local_id,
            question_id=row.question_id,
            lesson_id=row.lesson_id,
            position=row.position,
            version=row.version,
            retired=row.status == OWN_RETIRED,
            replaced_by=row.replaced_by,
            body=json.loads(body),
            author_id=row.author_id,
            suggested_by=row.suggested_by,
            updated_at=row.updated_at,
        )
        for row, body in rows
    ]


def get_question(*, session: Session, team_id: str, local_id: str) -> OwnQuestion | None:
    return session.execute(
        select(OwnQuestion).where(OwnQuestion.team_id == team_id, OwnQuestion.local_id == local_id)
    ).scalar_one_or_none()


def get_lesson(*, session: Session, team_id: str, lesson_id: str) -> OwnLesson | None:
    return session.execute(
        select(OwnLesson).where(OwnLesson.team_id == team_id, OwnLesson.lesson_id == lesson_id)
    ).scalar_one_or_none()


def save_lesson(
    *, session: Session, team_id: str, lesson_id: str, title: str, goal: str, now: dt.datetime
) -> bool:
    """Create the lesson (after the workspace's others) or update its title and goal; True
    when something changed."""
    row = get_lesson(session=session, team_id=team_id, lesson_id=lesson_id)
    if row is None:
        last = session.execute(
            select(func.max(OwnLesson.position)).where(OwnLesson.team_id == team_id)
        ).scalar()
        session.add(
            OwnLesson(
                team_id=team_id,
                lesson_id=lesson_id,
                title=title,
                goal=goal,
                position=(last or 0) + 1,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        return True
    if (row.title, row.goal) == (title, goal):
        return False
    row.title, row.goal, row.updated_at = title, goal, now
    return True


def next_position(*, session: Session, team_id: str, lesson_id: str) -> int:
    last = session.execute(
        select(func.max(OwnQuestion.position)).where(
            OwnQuestion.team_id == team_id, OwnQuestion.lesson_id == lesson_id
        )
    ).scalar()
    return (last or 0) + 1


def save_question(
    *,
    session: Session,
    team_id: str,
    local_id: str,
    question_id: str,
    lesson_id: str,
    position: int | None,
    version: str,
    retired: bool,
    replaced_by: str | None,
    now: dt.datetime,
    author_id: str | None = None,
    suggested_by: str | None = None,
) -> str:
    """Create or update an own question (its version's body saved already): "new",
    "changed" (where it sits, its state or its version) or "unchanged". `position` None keeps
    an existing question's place (a new one goes last in its lesson)."""
    row = get_question(session=session, team_id=team_id, local_id=local_id)
    status = OWN_RETIRED if retired else OWN_CURRENT
    if row is None:
        session.add(
            OwnQuestion(
                team_id=team_id,
                local_id=local_id,
                question_id=question_id,
                lesson_id=lesson_id,
                position=position
                if position is not None
                else next_position(session=session, team_id=team_id, lesson_id=lesson_id),
                version=version,
                status=status,
                replaced_by=replaced_by,
                author_id=author_id,
                suggested_by=suggested_by,
                created_at=now,
                updated_at=now,
                retired_at=now if retired else None,
            )
        )
        session.flush()
        return "new"
    wanted = {
        "lesson_id": lesson_id,
        "position": row.position if position is None else position,
        "version": version,
        "status": status,
        "replaced_by": replaced_by,
    }
    if all(getattr(row, key) == value for key, value in wanted.items()):
        return "unchanged"
    for key, value in wanted.items():
        setattr(row, key, value)
    row.updated_at = now
    if retired and row.retired_at is None:
        row.retired_at = now
    if not retired:
        row.retired_at = None
    return "changed"


def retire(*, session: Session, team_id: str, local_id: str, now: dt.datetime) -> bool:
    """Take a current question out of rotation; its history stays. False if there was none."""
    result = session.execute(
        update(OwnQuestion)
        .where(
            OwnQuestion.team_id == team_id,
            OwnQuestion.local_id == local_id,
            OwnQuestion.status == OWN_CURRENT,
        )
        .values(status=OWN_RETIRED, retired_at=now, updated_at=now)
    )
    return result.rowcount == 1


# -- suggestions -----------------------------------------------------------------------------
def suggest(*, session: Session, team_id: str, user_id: str, draft: dict, now: dt.datetime) -> int:
    row = QuestionSuggestion(
        team_id=team_id,
        user_id=user_id,
        status=PENDING,
        draft=json.dumps(draft, sort_keys=True, ensure_ascii=False),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def suggestions_since(*, session: Session, team_id: str, user_id: str, since: dt.datetime) -> int:
    """How many suggestions the person made in the workspace since `since` (for the rate limit)."""
    return int(
        session.execute(
            select(func.count(QuestionSuggestion.id)).where(
                QuestionSuggestion.team_id == team_id,
                QuestionSuggestion.user_id == user_id,
                QuestionSuggestion.created_at >= since,
            )
        ).scalar_one()
    )


def pending(*, session: Session, team_id: str, limit: int | None = None) -> list[QuestionSuggestion]:
    """The workspace's suggestions waiting for an admin, oldest first."""
    statement = (
        select(QuestionSuggestion)
        .where(QuestionSuggestion.team_id == team_id, QuestionSuggestion.status == PENDING)
        .order_by(QuestionSuggestion.created_at, QuestionSuggestion.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.execute(statement).scalars())


def pending_count(*, session: Session, team_id: str) -> int:
    return int(
        session.execute(
            select(func.count(QuestionSuggestion.id)).where(
                QuestionSuggestion.team_id == team_id, QuestionSuggestion.status == PENDING
            )
        ).scalar_one()
    )


def get_suggestion(*, session: Session, team_id: str, suggestion_id: int) -> QuestionSuggestion | None:
    return session.execute(
        select(QuestionSuggestion).where(
            QuestionSuggestion.team_id == team_id, QuestionSuggestion.id == suggestion_id
        )
    ).scalar_one_or_none()


def decide(
    *,
    session: Session,
    team_id: str,
    suggestion_id: int,
    status: str,
    by: str,
    now: dt.datetime,
    note: str | None = None,
    local_id: str | None = None,
) -> bool:
    """Approve or reject a pending suggestion; False if it was decided already (by another
    admin, or a second click) or is not the workspace's."""
    result = session.execute(
        update(QuestionSuggestion)
        .where(
            QuestionSuggestion.team_id == team_id,
            QuestionSuggestion.id == suggestion_id,
            QuestionSuggestion.status == PENDING,
        )
        .values(status=status, decided_by=by, decided_at=now, note=note, local_id=local_id)
    )
    return result.rowcount == 1


# -- which questions a channel draws on ------------------------------------------------------
def channel_use(*, session: Session, team_id: str, channel_id: str) -> str:
    use = session.execute(
        select(ChannelLessons.use).where(
            ChannelLessons.team_id == team_id, ChannelLessons.channel_id == channel_id
        )
    ).scalar_one_or_none()
    return use or SHIPPED


def set_channel_use(*, session: Session, team_id: str, channel_id: str, use: str, now: dt.datetime) -> None:
    if use not in USES:
        raise ValueError(f"not a choice of lessons: {use!r}")
    statement = insert_for(session, ChannelLessons.__table__).values(
        team_id=team_id, channel_id=channel_id, use=use, updated_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["team_id", "channel_id"], set_={"use": use, "updated_at": now}
        )
    )
