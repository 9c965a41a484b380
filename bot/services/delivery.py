"""Exactly once to Slack: one mechanism for every message that must never be sent twice
(daily questions, season recaps, reminder DMs), parameterised by what is delivered.

Order of work: claim the row under the leader's fencing token (its table's unique key makes
a second claim impossible), call Slack with message metadata naming the row, then mark the
row delivered with the message ts. Only 429s are retried blindly (Slack did not take the
message); after a 5xx, a reset or a timeout Slack may have posted it, so before trying again
the message is looked for by its metadata in `conversations.history`, and never posted while
that lookup cannot answer. A claim left unfinished (its claimer died) is taken over once
stale, and the new claimer looks first.

The lookup stays within Slack's limits for commercially distributed apps that are not in the
Marketplace (`conversations.history`: 1 request a minute, 15 messages): it asks only for the
few minutes in which the earlier claimer could have posted, 15 messages a page.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.error
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services.fair_pool import FairPool
from bot.slack.clients import CHANNEL_ERRORS, CLIENT_TIMEOUT_S, SlackClients
from db.engine import Database
from db.models import CLAIMED, ClaimedMessage
from db.queries import claims
from db.queries.leases import Fence
from db.queries.schedules import flag_schedule

logger = logging.getLogger(__name__)

POST_ATTEMPTS = 4
HISTORY_PAGE = 15  # Slack's cap for non-Marketplace distributed apps
HISTORY_PAGES = 20
# How long after its claim a claimer may still post: its attempts, their backoff and timeouts.
ATTEMPT_WINDOW = dt.timedelta(seconds=POST_ATTEMPTS * (CLIENT_TIMEOUT_S + 10) + 60)
DEFAULT_STALE_CLAIM = dt.timedelta(seconds=60)

Row = TypeVar("Row", bound=ClaimedMessage)


class LookupFailed(Exception):
    """conversations.history failed, so we cannot tell whether the message is there."""


@dataclass(frozen=True)
class Message:
    """What to post for one claim."""

    channel_id: str
    text: str
    blocks: list[Any]


class Kind(Protocol[Row]):
    """One kind of claimed message: what the shared mechanism cannot know."""

    model: type[Row]  # the claim rows' table
    event_type: str  # the message metadata's event_type, naming the kind
    metadata_key: str  # the metadata payload's key whose value is the row id

    def history_channel(self, row: Row) -> str | None:
        """The conversation to look for an earlier attempt's message in (None: cannot tell)."""
        ...

    def message(self, row: Row) -> Message | None:
        """The message for a claim, or None if there is nothing to send any more (the claim
        is then dropped)."""
        ...

    def delivered(self, session: Session, row: Row, message_ts: str, now: dt.datetime) -> Any:
        """Mark the row delivered, in the transaction that stores the ts; what it returns is
        handed to `after_delivered`."""
        ...

    def after_delivered(self, row: Row, marked: Any) -> None:
        """Slack calls that follow a delivery, after its transaction committed."""
        ...

    def refused(self, session: Session, row: Row, code: str, now: dt.datetime) -> None:
        """Slack refused the channel for good (the claim is being dropped in this transaction)."""
        ...


class Status(Enum):
    DELIVERED = "delivered"  # by this call
    ALREADY_DELIVERED = "already_delivered"
    IN_PROGRESS = "in_progress"  # another replica holds a fresh claim, or took ours over
    REFUSED = "refused"  # the channel refuses the bot
    NOT_LEADER = "not_leader"  # the fence is stale: the database refused the claim
    NO_TOKEN = "no_token"  # the workspace is not installed (or was uninstalled)
    DROPPED = "dropped"  # nothing to send any more
    FAILED = "failed"  # Slack unreachable; the claim stays for a later retry


@dataclass(frozen=True)
class Outcome(Generic[Row]):
    status: Status
    row: Row | None = None
    message_ts: str | None = None
    error: str | None = None


def _metadata(kind: Kind, row: ClaimedMessage) -> dict:
    return {"event_type": kind.event_type, "event_payload": {kind.metadata_key: row.id}}


def _names(message: dict, kind: Kind, row: ClaimedMessage) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == kind.event_type and str(payload.get(kind.metadata_key)) == str(
        row.id
    )


def find_by_metadata(
    client: WebClient, kind: Kind, row: ClaimedMessage, *, since: dt.datetime, until: dt.datetime
) -> str | None:
    """The ts of a message Slack already accepted for `row`, posted between `since` and
    `until`; raises LookupFailed if Slack cannot say."""
    channel = kind.history_channel(row)
    if channel is None:
        raise LookupFailed(f"no conversation to search for {kind.model.__tablename__} {row.id}")
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        try:
            response = client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp():.6f}",
                latest=f"{until.timestamp():.6f}",
                inclusive=True,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )
        except (SlackApiError, urllib.error.URLError, OSError) as error:
            logger.warning("conversations.history for %s failed: %s", row.channel_id, error)
            raise LookupFailed from error
        for message in response.get("messages", []):
            if _names(message, kind, row):
                return message.get("ts")
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            return None
    raise LookupFailed("too many messages to search")


class ClaimedDelivery:
    """Claims, delivers and resumes claimed messages of any `Kind`."""

    def __init__(
        self,
        *,
        db: Database,
        clients: SlackClients,
        clock: Clock,
        stale_claim: dt.timedelta = DEFAULT_STALE_CLAIM,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.clients = clients
        self.clock = clock
        self.stale_claim = stale_claim
        self.sleep = sleep

    # -- claiming ------------------------------------------------------------------------
    def deliver_new(
        self,
        kind: Kind[Row],
        *,
        key: Mapping[str, Any],
        values: Callable[[Session], Mapping[str, Any]] | Mapping[str, Any],
        fence: Fence | None,
    ) -> Outcome[Row]:
        """Claim the row with unique `key` (and `values`, computed in the claim's transaction
        when callable) and deliver it; an existing claim is resumed instead. Nothing is
        claimed for a workspace the app is not installed in."""
        if self.clients.for_team(str(key["team_id"])) is None:
            return Outcome(Status.NO_TOKEN)
        now = self.clock.now()
        try:
            with self.db.writing() as session:
                extra = values(session) if callable(values) else values
                row = claims.claim(session, kind.model, key=key, values=extra, fence=fence, now=now)
        except claims.StaleFence as error:
            logger.warning("not claiming %s %s: %s", kind.model.__tablename__, dict(key), error)
            return Outcome(Status.NOT_LEADER, error=str(error))
        except claims.AlreadyClaimed:
            # Re-read: the failed transaction rolled back and expired the row it found.
            with self.db.reading() as session:
                existing = claims.find(session, kind.model, key)
            if existing is None:  # the claimer gave it up (Slack refused); try again next run
                return Outcome(Status.IN_PROGRESS)
            return self.resume(kind, existing, fence)
        return self._deliver(kind, row, since=row.claimed_at, look_first=False)

    def deliver_many(
        self,
        kind: Kind[Row],
        items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
        *,
        fence: Fence | None,
        pool: FairPool,
        chunk: int = 256,
    ) -> list[Outcome[Row]]:
        """Claim and deliver many messages of one kind (a wave of reminder DMs): each chunk is
        claimed in one transaction, then delivered on the pool; a chunk is claimed only when
        the previous one is done, so no claim waits long enough to look abandoned."""
        outcomes: list[Outcome[Row]] = []
        installed: dict[str, bool] = {}
        for start in range(0, len(items), chunk):
            batch = []
            for key, values in items[start : start + chunk]:
                team = str(key["team_id"])
                if team not in installed:
                    installed[team] = self.clients.for_team(team) is not None
                if installed[team]:
                    batch.append((key, values))
                else:
                    outcomes.append(Outcome(Status.NO_TOKEN))
            try:
                with self.db.writing() as session:
                    rows, taken = claims.claim_many(
                        session, kind.model, items=batch, fence=fence, now=self.clock.now()
                    )
            except claims.StaleFence as error:
                return [*outcomes, Outcome(Status.NOT_LEADER, error=str(error))]
            outcomes.extend(Outcome(Status.IN_PROGRESS) for _ in taken)  # another pass has them
            outcomes.extend(
                pool.map(
                    rows,
                    lambda row: self._deliver(kind, row, since=row.claimed_at, look_first=False),
                    team_of=lambda row: row.team_id,
                )
            )
        return outcomes

    def resume(self, kind: Kind[Row], row: Row, fence: Fence | None) -> Outcome[Row]:
        """Finish a claim: nothing to do once delivered; a fresh claim is left to its claimer;
        a stale one is taken over and its message looked for before posting."""
        if row.status != CLAIMED:
            return Outcome(Status.ALREADY_DELIVERED, row, row.message_ts)
        now = self.clock.now()
        earlier_claim = row.claimed_at
        try:
            with self.db.writing() as session:
                taken = claims.retake(
                    session,
                    kind.model,
                    row_id=row.id,
                    fence=fence,
                    now=now,
                    stale_before=now - self.stale_claim,
                )
                fresh = session.get(kind.model, row.id) if taken else None
        except claims.StaleFence as error:
            return Outcome(Status.NOT_LEADER, error=str(error))
        if fresh is None:
            return Outcome(Status.IN_PROGRESS, row)
        logger.info("resuming unfinished %s %s in %s", kind.model.__tablename__, row.id, row.channel_id)
        return self._deliver(kind, fresh, since=earlier_claim, look_first=True)

    def resume_stale(self, kind: Kind[Row], fence: Fence | None) -> list[Outcome[Row]]:
        """Finish the claims of this kind whose claimers died before storing the ts."""
        with self.db.reading() as session:
            stale = claims.stale(session, kind.model, stale_before=self.clock.now() - self.stale_claim)
        return [self.resume(kind, row, fence) for row in stale]

    # -- delivering ----------------------------------------------------------------------
    def _deliver(self, kind: Kind[Row], row: Row, *, since: dt.datetime, look_first: bool) -> Outcome[Row]:
        client = self.clients.for_team(row.team_id)
        posting = self.clients.posting_for_team(row.team_id)
        if client is None or posting is None:
            logger.info(
                "no token for workspace %s: %s %s waits", row.team_id, kind.model.__tablename__, row.id
            )
            return Outcome(Status.NO_TOKEN, row)
        message = kind.message(row)
        if message is None:
            with self.db.writing() as session:
                claims.release(session, kind.model, row_id=row.id)
            return Outcome(Status.DROPPED, row)
        # The earlier claimer (if any) posted after `since`, within its attempt window.
        window = (since - dt.timedelta(seconds=5), max(self.clock.now(), since) + ATTEMPT_WINDOW)
        for attempt in range(POST_ATTEMPTS):
            if attempt > 0:
                self.sleep(min(2.0**attempt, 10.0))
                if not self._still_ours(kind, row):
                    logger.warning(
                        "%s %s was taken over by another replica", kind.model.__tablename__, row.id
                    )
                    return Outcome(Status.IN_PROGRESS, row)
            if look_first or attempt > 0:
                try:
                    found = find_by_metadata(client, kind, row, since=window[0], until=window[1])
                except LookupFailed:
                    continue  # never post blind when the message may already be there
                if found:
                    return self._mark(kind, row, found)
            try:
                response = posting.chat_postMessage(
                    channel=message.channel_id,
                    text=message.text,
                    blocks=message.blocks,
                    metadata=_metadata(kind, row),
                    unfurl_links=False,
                )
                return self._mark(kind, row, response["ts"])
            except SlackApiError as error:
                code = error.response.get("error") or f"http_{error.response.status_code}"
                if code in CHANNEL_ERRORS:
                    return self._refuse(kind, row, code)
                logger.warning(
                    "chat.postMessage to %s failed (%s), attempt %d", message.channel_id, code, attempt + 1
                )
            except (urllib.error.URLError, OSError, TimeoutError) as error:
                logger.warning(
                    "chat.postMessage to %s failed (%s), attempt %d", message.channel_id, error, attempt + 1
                )
        return Outcome(Status.FAILED, row, error="Slack unreachable")

    def _still_ours(self, kind: Kind, row: ClaimedMessage) -> bool:
        with self.db.reading() as session:
            return claims.holds(session, kind.model, row_id=row.id, claimed_at=row.claimed_at)

    def _mark(self, kind: Kind[Row], row: Row, message_ts: str) -> Outcome[Row]:
        with self.db.writing() as session:
            marked = kind.delivered(session, row, message_ts, self.clock.now())
        kind.after_delivered(row, marked)
        return Outcome(Status.DELIVERED, row, message_ts)

    def _refuse(self, kind: Kind[Row], row: Row, code: str) -> Outcome[Row]:
        with self.db.writing() as session:
            claims.release(session, kind.model, row_id=row.id)
            kind.refused(session, row, code, self.clock.now())
        return Outcome(Status.REFUSED, row, error=code)


def flag_refused_schedule(session: Session, row: ClaimedMessage, code: str, now: dt.datetime) -> None:
    """A channel that refuses the bot gets its schedule flagged and skipped, logged once."""
    if flag_schedule(session=session, team_id=row.team_id, channel_id=row.channel_id, error=code, now=now):
        logger.error(
            "Slack refused channel %s (%s): its schedule is flagged and skipped", row.channel_id, code
        )
