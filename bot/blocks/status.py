"""`/leader-quiz status`: each channel's schedule and next post, who leads, the outboxes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.domain.status import Status


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
