"""Leader election among replicas: one lease row per name, renewed by its holder, taken
over only after expiry, with a fencing token that only ever increases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Lease

SCHEDULER_LEASE = "scheduler"


@dataclass(frozen=True)
class Fence:
    """Proof of leadership: the holder and the token it was granted."""

    holder: str
    token: int
    expires_at: dt.datetime


def acquire_or_renew(
    *,
    session: Session,
    holder: str,
    ttl: dt.timedelta,
    now: Callable[[], dt.datetime],
    name: str = SCHEDULER_LEASE,
) -> Fence | None:
    """Renew our lease, or take it if it has expired; None if someone else holds it.

    `now` is asked once the row is locked, so a wait for the lock never leaves the decision on
    an earlier time; the scheduler's reads the database's clock (`bot.clock.ClusterClock.read`),
    so expiry is written and judged on the one clock every replica shares."""
    lease = session.execute(select(Lease).where(Lease.name == name).with_for_update()).scalar_one_or_none()
    moment = now()
    if lease is None:
        lease = Lease(name=name, holder=holder, token=1, expires_at=moment + ttl, renewed_at=moment)
        session.add(lease)
        try:
            session.flush()
        except IntegrityError:
            return None  # another replica created it at the same moment; try again next beat
        return Fence(holder=holder, token=lease.token, expires_at=lease.expires_at)
    if lease.holder == holder and lease.expires_at > moment:
        lease.expires_at = moment + ttl
        lease.renewed_at = moment
        return Fence(holder=holder, token=lease.token, expires_at=lease.expires_at)
    if lease.expires_at <= moment:
        # Every change of hands (even back to a holder whose lease lapsed) gets a new token,
        # so anything claimed under the old one is recognisably stale.
        lease.holder = holder
        lease.token += 1
        lease.expires_at = moment + ttl
        lease.renewed_at = moment
        return Fence(holder=holder, token=lease.token, expires_at=lease.expires_at)
    return None


def release(*, session: Session, holder: str, now: dt.datetime, name: str = SCHEDULER_LEASE) -> bool:
    """Give the lease up early on a clean shutdown so another replica need not wait it out."""
    lease = session.execute(select(Lease).where(Lease.name == name).with_for_update()).scalar_one_or_none()
    if lease is None or lease.holder != holder or lease.expires_at <= now:
        return False
    lease.expires_at = now
    return True


def current_lease(*, session: Session, name: str = SCHEDULER_LEASE) -> Lease | None:
    return session.get(Lease, name)


def check_fence(*, session: Session, fence: Fence, now: dt.datetime, name: str = SCHEDULER_LEASE) -> bool:
    """True while `fence` is the current, unexpired lease; locks the row so a takeover waits
    for the caller's transaction to finish."""
    lease = session.execute(select(Lease).where(Lease.name == name).with_for_update()).scalar_one_or_none()
    return (
        lease is not None
        and lease.token == fence.token
        and lease.holder == fence.holder
        and lease.expires_at > now
    )
