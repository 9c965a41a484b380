"""Logging for the bot: one line per record, and secrets redacted whatever logs them.

Two formats (LOG_FORMAT): `text` (the default) and `json`, one JSON object per line with
`time`, `level`, `logger`, `message`, the request's `team`, `channel`, `user` and `request_id`
where known, and `exc` for a traceback. Those fields come from a context the HTTP front and
the Bolt middleware set per request (`log_context`); it lives in a `contextvars` variable, so
it follows the request's thread and, through `ContextExecutor`, the work it hands to pools."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from types import MappingProxyType
from typing import IO, Any

SECRET_PATTERN = re.compile(r"xox[abpre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT_FIELDS = ("team", "channel", "user", "request_id")

_EMPTY: Mapping[str, str] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("log_context", default=_EMPTY)


class RedactSecrets(logging.Filter):
    """Mask Slack tokens and the signing secret in every record, as a last line of defence."""

    def __init__(self, extra_secrets: list[str]) -> None:
        super().__init__()
        self.extra = [secret for secret in extra_secrets if len(secret) >= 8]

    def redact(self, text: str) -> str:
        text = SECRET_PATTERN.sub("[redacted]", text)
        for secret in self.extra:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        if clean != message:
            record.msg, record.args = clean, None
        return True


# -- the per-request context --------------------------------------------------------------
def _known(fields: Mapping[str, object]) -> dict[str, str]:
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise TypeError(f"not a log context field: {', '.join(sorted(unknown))}")
    return {key: str(value) for key, value in fields.items() if value not in (None, "")}


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add `team`, `channel`, `user`, `request_id` to every record logged inside the block
    (empty values are left out; an outer block's fields stay unless overridden)."""
    token = _context.set(MappingProxyType({**_context.get(), **_known(fields)}))
    try:
        yield
    finally:
        _context.reset(token)


def bind_log_context(**fields: object) -> None:
    """Set (or, with an empty value, clear) fields of the current context until the enclosing
    `log_context` ends. For Bolt middleware, which cannot wrap the listeners it precedes."""
    merged = {key: value for key, value in _context.get().items() if key not in fields}
    merged.update(_known(fields))
    _context.set(MappingProxyType(merged))


def current_log_context() -> Mapping[str, str]:
    return _context.get()


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the submitter's context, so work handed off by a
    request (lazy listeners, the outbox) logs with the request's fields."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


# -- formats ------------------------------------------------------------------------------
class JsonFormatter(logging.Formatter):
    """One JSON object per line. Only known fields are written (never a record's arbitrary
    extras), and every value passes `redact` as well as the handler's filter."""

    def __init__(self, redact: Callable[[str], str] = lambda text: text) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created, dt.UTC)
        entry: dict[str, str] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_context.get())
        for key in CONTEXT_FIELDS:  # `logger.info(..., extra={"channel": ...})` wins
            value = record.__dict__.get(key)
            if isinstance(value, str) and value:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps({key: self.redact(value) for key, value in entry.items()}, ensure_ascii=False)


def _log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: Any, where: str) -> None:
    logging.getLogger("bot").critical("uncaught exception in %s", where, exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if issubclass(args.exc_type, SystemExit):  # as the default hook: a thread may exit that way
        return
    name = args.thread.name if args.thread is not None else "?"
    _log_uncaught(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback, f"thread {name}")


def make_handler(
    secrets: list[str], log_format: str = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """The one handler of a serve process: redacting, in the chosen format."""
    redact = RedactSecrets(secrets)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(redact.redact))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(redact)
    return handler


def configure_logging(level: str, secrets: list[str], log_format: str = "text") -> None:
    if log_format == "json":
        # Everything else that would reach stderr as free text goes through the handler too
        # (and so is redacted): warnings, and tracebacks of uncaught exceptions.
        logging.captureWarnings(True)
        sys.excepthook = lambda t, e, tb: _log_uncaught(t, e, tb, "the main thread")
        threading.excepthook = _log_uncaught_in_thread
    root = logging.getLogger()
    root.handlers[:] = [make_handler(secrets, log_format)]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelName(level), logging.WARNING))
