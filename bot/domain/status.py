"""Operational status as plain data: schedules and next posts, the lease, the outboxes (SPEC §3 `status --json`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelStatus:
    team_id: str
    channel_id: str
    schedule: str
    timezone: str
    next_post_at: dt.datetime | None
    flagged: str | None


@dataclass(frozen=True)
class OutboxBacklog:
    """What every live replica's outbox holds (from their snapshots), and the verdicts the
    database says are still owed."""

    replicas: int
    kinds: dict[str, tuple[int, float]]  # kind -> (sends waiting, how late the oldest is, s)
    throttled: dict[str, int]  # 429s drawn since the replicas started, by method
    owed_replies: int

    def as_json(self) -> dict:
        return {
            "replicas": self.replicas,
            "kinds": {
                kind: {"queued": queued, "late_seconds": round(late, 1)}
                for kind, (queued, late) in sorted(self.kinds.items())
            },
            "throttled": dict(sorted(self.throttled.items())),
            "owed_replies": self.owed_replies,
        }

    def describe(self) -> str:
        waiting = [
            f"{kind} {queued}" + (f" (oldest {late:.0f} s late)" if late >= 1 else "")
            for kind, (queued, late) in sorted(self.kinds.items())
            if queued
        ]
        throttled = ", ".join(f"{method} {count}" for method, count in sorted(self.throttled.items()))
        return (
            f"outbox ({self.replicas} replicas): {', '.join(waiting) or 'nothing waiting'}; "
            f"verdicts owed: {self.owed_replies}; 429s drawn: {throttled or 'none'}"
        )


@dataclass(frozen=True)
class Status:
    channels: list[ChannelStatus]
    leader: str | None
    token: int | None
    lease_expires_at: dt.datetime | None
    now: dt.datetime
    outbox: OutboxBacklog | None = None

    def as_json(self) -> dict:
        return {
            "leader": self.leader,
            "token": self.token,
            "lease_expires_at": self.lease_expires_at.isoformat() if self.lease_expires_at else None,
            "leader_alive": bool(self.lease_expires_at and self.lease_expires_at > self.now),
            "channels": [
                {
                    "team": c.team_id,
                    "channel": c.channel_id,
                    "schedule": c.schedule,
                    "next_post_at": c.next_post_at.isoformat() if c.next_post_at else None,
                    "flagged": c.flagged,
                }
                for c in self.channels
            ],
            "outbox": self.outbox.as_json() if self.outbox else None,
        }
