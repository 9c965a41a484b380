"""Claims of messages to deliver to Slack exactly once (daily posts, season recaps,
reminder DMs): one set of queries for every table built on `db.models.ClaimedMessage`.

A claim row is written under the leader's fencing token before Slack is called; the unique
key of its table (channel and quiz day, channel and month, person and day) stops a second
claim even from a stale leader. A claim whose claimer died before storing the message ts
is taken over once it is stale; `holds` lets a claimer notice it was taken over.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import CLAIMED, ClaimedMessage
from db.queries.leases import Fence, check_fence

Row = TypeVar("Row", bound=ClaimedMessage)


class StaleFence(Exception):
    """The claimer's lease is no longer the current one: the database refuses the claim."""


class AlreadyClaimed(Exception):
    """The unique key already has a claim row."""


def _require_fence(session: Session, fence: Fence | None, now: dt.datetime) -> None:
    """Under a fence, check and lock the lease row in the claim's own transaction, so a
    takeover waits for this transaction and a stale token is refused."""
    if fence is not None and not check_fence(session=session, fence=fence, now=now):
        raise StaleFence(f"token {fence.token} held by {fence.holder} is no longer current")


def find(session: Session, model: type[Row], key: Mapping[str, Any]) -> Row | None:
    """The claim row with this unique key, if any."""
    return session.execute(select(model).filter_by(**key)).scalar_one_or_none()


def claim(
    session: Session,
    model: type[Row],
    *,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    fence: Fence | None,
    now: dt.datetime,
) -> Row:
    """Write the claim row (its unique `key` plus `values`) before Slack is called: one
    INSERT ... ON CONFLICT DO NOTHING on the table's unique key, so a second claim (even a
    stale leader's racing this one) inserts nothing. The row comes back detached."""
    rows, taken = claim_many(session, model, items=[(key, values)], fence=fence, now=now)
    if taken:
        raise AlreadyClaimed(f"{model.__tablename__} {dict(key)} is already claimed")
    return rows[0]


def claim_many(
    session: Session,
    model: type[Row],
    *,
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    fence: Fence | None,
    now: dt.datetime,
) -> tuple[list[Row], list[Mapping[str, Any]]]:
    """Claim many rows in one transaction under one fence check: the rows claimed (detached),
    and the keys someone had claimed already."""
    _require_fence(session, fence, now)
    claimed: list[Row] = []
    taken: list[Mapping[str, Any]] = []
    for key, values in items:
        columns = {
            **key,
            **values,
            "status": CLAIMED,
            "fencing_token": fence.token if fence else None,
            "claimed_by": fence.holder if fence else None,
            "claimed_at": now,
        }
        statement = _insert_claim(session.get_bind().dialect.name, model, tuple(columns), tuple(key))
        row_id = session.execute(statement, columns).scalar()
        if row_id is None:
            taken.append(key)
        else:
            claimed.append(model(id=row_id, **columns))
    return claimed, taken


@functools.cache
def _insert_claim(
    dialect: str, model: type[ClaimedMessage], columns: tuple[str, ...], key: tuple[str, ...]
) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id, built once per table and shape
    (a statement built per claim costs more CPU than the database's work)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(model)
        .values({name: bindparam(name, type_=model.__table__.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(model.id)
    )


def retake(
    session: Session,
    model: type[ClaimedMessage],
    *,
    row_id: int,
    fence: Fence | None,
    now: dt.datetime,
    stale_before: dt.datetime,
) -> bool:
    """Take over a claim whose claimer never finished. Only one replica wins; the claim's
    age keeps a live claimer from being overtaken."""
    _require_fence(session, fence, now)
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.status == CLAIMED, model.claimed_at <= stale_before)
        .values(
            claimed_at=now,
            fencing_token=fence.token if fence else None,
            claimed_by=fence.holder if fence else None,
        )
    )
    return result.rowcount == 1


def holds(session: Session, model: type[ClaimedMessage], *, row_id: int, claimed_at: dt.datetime) -> bool:
    """Whether a claim is still the one we wrote (a takeover rewrites `claimed_at`)."""
    row = session.get(model, row_id)
    return row is not None and row.status == CLAIMED and row.claimed_at == claimed_at


def mark_delivered(
    session: Session, model: type[ClaimedMessage], *, row_id: int, message_ts: str, now: dt.datetime
) -> bool:
    """Slack took the message: store its ts and move the row to the kind's delivered status."""
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.status == CLAIMED)
        .values(status=model.DELIVERED, message_ts=message_ts, posted_at=now)
    )
    return result.rowcount == 1


def release(session: Session, model: type[ClaimedMessage], *, row_id: int) -> None:
    """Drop a claim Slack definitively refused (the bot is not in the channel): nothing was
    delivered, so nothing of it stays."""
    row = session.get(model, row_id)
    if row is not None and row.status == CLAIMED:
        session.delete(row)


def stale(session: Session, model: type[Row], *, stale_before: dt.datetime) -> list[Row]:
    """Claims left unfinished since before `stale_before` (their claimer presumably died)."""
    return list(
        session.execute(
            select(model).where(model.status == CLAIMED, model.claimed_at <= stale_before).order_by(model.id)
        ).scalars()
    )
