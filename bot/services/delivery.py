"""Exactly once to Slack: one mechanism for every message that must never be sent twice
(daily questions, season recaps, reminder DMs), parameterised by what is delivered, and sent
through the outbox like everything else.

Order of work, inside one outbox send: claim the row under the leader's fencing token (its
table's unique key makes a second claim impossible), call Slack with message metadata naming
the row, then mark the row delivered with the message ts. The claim is made only once the
send has its budget and a worker, so a claim never waits in a queue long enough to look
abandoned. A 429 is waited out (Slack did not take the message); after a 5xx, a reset or a
timeout Slack may have posted it, so before trying again the message is looked for by its
metadata in `conversations.history`, and never posted while that lookup cannot answer. A
claimer stops trying well before its claim turns stale; a claim left unfinished (its claimer
died) is then taken over, and the new claimer looks first.

The lookup stays within Slack's limits for commercially distributed apps that are not in the
Marketplace (`conversations.history`: 1 request a minute, 15 messages): it asks only for the
few minutes in which the earlier claimer could have posted, 15 messages a page.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.slack.clients import CHANNEL_ERRORS, SlackClients
from bot.slack.outbox import Dropped, Kind, Outbox, Retry, Send
from db.engine import Database
from db.models import CLAIMED, ClaimedMessage
from db.queries import claims
from db.queries.leases import Fence
from db.queries.schedules import flag_schedule

logger = logging.getLogger(__name__)

HISTORY_PAGE = 15  # Slack's cap for non-Marketplace distributed apps
HISTORY_PAGES = 20
DEFAULT_STALE_CLAIM = dt.timedelta(seconds=60)
# A claimer stops trying this far into the stale period, so it never races a takeover.
GIVE_UP_SHARE = 0.75
# Slack's message timestamps are Slack's clock: look a little past ours.
LOOKUP_SLACK = dt.timedelta(seconds=60)
UNCLAIMED_DEADLINE_S = 600.0  # a send not yet claimed waits this long at most (it is found again)

Row = TypeVar("Row", bound=ClaimedMessage)


class LookupFailed(Exception):
    """conversations.history failed, so we cannot tell whether the message is there."""


@dataclass(frozen=True)
class Message:
    """What to post for one claim."""

    channel_id: str
    text: str
    blocks: list[Any]


class MessageKind(Protocol[Row]):
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


def _metadata(kind: MessageKind, row: ClaimedMessage) -> dict:
    return {"event_type": kind.event_type, "event_payload": {kind.metadata_key: row.id}}


def _names(message: dict, kind: MessageKind, row: ClaimedMessage) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == kind.event_type and str(payload.get(kind.metadata_key)) == str(
        row.id
    )


def find_by_metadata(
    client: WebClient, kind: MessageKind, row: ClaimedMessage, *, since: dt.datetime, until: dt.datetime
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


@dataclass(eq=False)
class ClaimedSend(Send, Generic[Row]):
    """One exactly-once message in the outbox: a claim still to make (`claim_key`), or a
    stale one to take over (`stale_row`)."""

    delivery: ClaimedDelivery | None = None
    message_kind: MessageKind | None = None
    claim_key: Mapping[str, Any] | None = None
    values: Callable[[Session], Mapping[str, Any]] | Mapping[str, Any] | None = None
    fence: Fence | None = None
    stale_row: Row | None = None
    row: Row | None = None  # once claimed (or taken over) by this send
    since: dt.datetime | None = None  # when the earliest claimer of the row claimed it
    look_first: bool = False

    def attempt(self) -> Outcome[Row]:
        assert self.delivery is not None
        return self.delivery.attempt(self)


class ClaimedDelivery:
    """Claims, delivers and resumes claimed messages of any `MessageKind`, through the outbox."""

    def __init__(
        self,
        *,
        db: Database,
        clients: SlackClients,
        clock: Clock,
        outbox: Outbox,
        stale_claim: dt.timedelta = DEFAULT_STALE_CLAIM,
    ) -> None:
        self.db = db
        self.clients = clients
        self.clock = clock
        self.outbox = outbox
        self.stale_claim = stale_claim

    # -- queueing --------------------------------------------------------------------------
    def deliver_new(
        self,
        message_kind: MessageKind[Row],
        *,
        key: Mapping[str, Any],
        values: Callable[[Session], Mapping[str, Any]] | Mapping[str, Any],
        fence: Fence | None,
        send_kind: Kind,
        channel: str,
        due: float | None = None,
        deadline_s: float = UNCLAIMED_DEADLINE_S,
    ) -> Future:
        """Queue the claim and delivery of the row with unique `key` (and `values`, computed
        in the claim's transaction when callable); an existing claim is resumed instead. The
        future resolves with the Outcome. A second call for a key already queued here joins
        the first."""
        now = self.outbox.now()
        return self.outbox.submit(
            ClaimedSend(
                kind=send_kind,
                team_id=str(key["team_id"]),
                what=f"{message_kind.model.__tablename__} {dict(key)}",
                method="chat.postMessage",
                channel=channel,
                key=(message_kind.model.__tablename__, *sorted((k, str(v)) for k, v in key.items())),
                newest_wins=False,
                due=due or now,
                deadline=(due or now) + deadline_s,
                delivery=self,
                message_kind=message_kind,
                claim_key=key,
                values=values,
                fence=fence,
            )
        )

    def resume(
        self, message_kind: MessageKind[Row], row: Row, fence: Fence | None, send_kind: Kind
    ) -> Future:
        """Queue the finishing of a claim: nothing to do once delivered; a fresh claim is left
        to its claimer; a stale one is taken over and its message looked for before posting."""
        if row.status != CLAIMED:
            done: Future = Future()
            done.set_result(Outcome(Status.ALREADY_DELIVERED, row, row.message_ts))
            return done
        return self.outbox.submit(
            ClaimedSend(
                kind=send_kind,
                team_id=row.team_id,
                what=f"unfinished {message_kind.model.__tablename__} {row.id}",
                method="chat.postMessage",
                channel=row.channel_id,
                key=(message_kind.model.__tablename__, "row", row.id),
                newest_wins=False,
                deadline=self.outbox.now() + UNCLAIMED_DEADLINE_S,
                delivery=self,
                message_kind=message_kind,
                fence=fence,
                stale_row=row,
            )
        )

    def resume_stale(
        self, message_kind: MessageKind[Row], fence: Fence | None, send_kind: Kind
    ) -> list[Future]:
        """Queue the claims of this kind whose claimers died before storing the ts."""
        with self.db.reading() as session:
            stale = claims.stale(
                session, message_kind.model, stale_before=self.clock.now() - self.stale_claim
            )
        return [self.resume(message_kind, row, fence, send_kind) for row in stale]

    @staticmethod
    def outcome(future: Future, timeout: float | None = None) -> Outcome:
        """Wait for a queued delivery; a send the outbox dropped is a FAILED outcome."""
        try:
            return future.result(timeout=timeout)
        except Dropped as dropped:
            if str(dropped) == "uninstalled":
                return Outcome(Status.NO_TOKEN)
            return Outcome(Status.FAILED, error=f"not sent ({dropped})")

    # -- one attempt (on an outbox worker, holding a chat.postMessage grant) -----------------
    def attempt(self, send: ClaimedSend[Row]) -> Outcome[Row]:
        kind = send.message_kind
        assert kind is not None
        if send.row is None:
            taken = self._retake(send) if send.stale_row is not None else self._claim(send)
            if isinstance(taken, Outcome):
                return taken
            # Finish, or stop trying, before the claim could look abandoned to a takeover.
            send.deadline = min(
                send.deadline, self.outbox.now() + self.stale_claim.total_seconds() * GIVE_UP_SHARE
            )
        elif not self._still_ours(kind, send.row):
            logger.warning("%s %s was taken over by another replica", kind.model.__tablename__, send.row.id)
            return Outcome(Status.IN_PROGRESS, send.row)
        row = send.row
        assert row is not None and send.since is not None
        client = self.clients.for_team(row.team_id)
        if client is None:
            logger.info(
                "no token for workspace %s: %s %s waits", row.team_id, kind.model.__tablename__, row.id
            )
            return Outcome(Status.NO_TOKEN, row)
        message = kind.message(row)
        if message is None:
            with self.db.writing() as session:
                claims.release(session, kind.model, row_id=row.id)
            return Outcome(Status.DROPPED, row)
        if send.look_first:
            try:
                found = find_by_metadata(
                    client,
                    kind,
                    row,
                    since=send.since - dt.timedelta(seconds=5),
                    until=self.clock.now() + LOOKUP_SLACK,
                )
            except LookupFailed as error:
                raise Retry(f"cannot tell whether it was posted ({error})") from None  # never post blind
            if found:
                return self._mark(kind, row, found)
        try:
            response = client.chat_postMessage(
                channel=message.channel_id,
                text=message.text,
                blocks=message.blocks,
                metadata=_metadata(kind, row),
                unfurl_links=False,
            )
        except SlackApiError as error:
            code = error.response.get("error") or f"http_{error.response.status_code}"
            if code in CHANNEL_ERRORS:
                return self._refuse(kind, row, code)
            if error.response.status_code != 429:  # Slack may have posted it: look first next time
                send.look_first = True
            raise
        except (urllib.error.URLError, OSError, TimeoutError):
            send.look_first = True
            raise
        return self._mark(kind, row, response["ts"])

    def _claim(self, send: ClaimedSend[Row]) -> Outcome[Row] | None:
        kind, key, fence = send.message_kind, send.claim_key, send.fence
        assert kind is not None and key is not None and send.values is not None
        if self.clients.for_team(str(key["team_id"])) is None:
            return Outcome(Status.NO_TOKEN)
        try:
            with self.db.writing() as session:
                now = self.clock.now()
                extra = send.values(session) if callable(send.values) else send.values
                row = claims.claim(session, kind.model, key=key, values=extra, fence=fence, now=now)
        except claims.StaleFence as error:
            logger.warning("not claiming %s %s: %s", kind.model.__tablename__, dict(key), error)
            return Outcome(Status.NOT_LEADER, error=str(error))
        except claims.AlreadyClaimed:
            # Re-read: the failed transaction rolled back and expired the row it found.
            with self.db.reading() as session:
                existing = claims.find(session, kind.model, key)
            if existing is None:  # the claimer gave it up (Slack refused); the next pass tries
                return Outcome(Status.IN_PROGRESS)
            if existing.status != CLAIMED:
                return Outcome(Status.ALREADY_DELIVERED, existing, existing.message_ts)
            send.stale_row = existing
            return self._retake(send)
        send.row, send.since = row, row.claimed_at
        return None

    def _retake(self, send: ClaimedSend[Row]) -> Outcome[Row] | None:
        kind, row, fence = send.message_kind, send.stale_row, send.fence
        assert kind is not None and row is not None
        if row.status != CLAIMED:
            return Outcome(Status.ALREADY_DELIVERED, row, row.message_ts)
        try:
            with self.db.writing() as session:
                now = self.clock.now()
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
        send.row, send.since, send.look_first = fresh, row.claimed_at, True
        return None

    def _still_ours(self, kind: MessageKind, row: ClaimedMessage) -> bool:
        with self.db.reading() as session:
            return claims.holds(session, kind.model, row_id=row.id, claimed_at=row.claimed_at)

    def _mark(self, kind: MessageKind[Row], row: Row, message_ts: str) -> Outcome[Row]:
        with self.db.writing() as session:
            marked = kind.delivered(session, row, message_ts, self.clock.now())
        kind.after_delivered(row, marked)
        return Outcome(Status.DELIVERED, row, message_ts)

    def _refuse(self, kind: MessageKind[Row], row: Row, code: str) -> Outcome[Row]:
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
