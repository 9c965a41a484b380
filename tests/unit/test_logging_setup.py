"""The serve process's logging: the filter redacts tokens and the configured secrets, in the
text format (the default) and in LOG_FORMAT=json, one object per line with the request's context."""

from __future__ import annotations

import contextvars
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.config import ConfigError, load_settings
from bot.logging_setup import (
    CONTEXT_FIELDS,
    ContextExecutor,
    RedactSecrets,
    bind_log_context,
    current_log_context,
    log_context,
    make_handler,
)


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("bot", logging.WARNING, __file__, 1, message, args, None)


def test_tokens_and_secrets_are_redacted_in_messages_and_args() -> None:
    redact = RedactSecrets(["s3cr3t-signing-value"])
    for text in ("xoxb-123-456-abcdef", "xapp-1-A1-99-ff", "xoxp-9-9-9"):
        entry = record("calling with %s", text)
        redact.filter(entry)
        assert text not in entry.getMessage() and "[redacted]" in entry.getMessage()
    entry = record("secret is s3cr3t-signing-value")
    redact.filter(entry)
    assert entry.getMessage() == "secret is [redacted]"


def test_tracebacks_are_redacted_too() -> None:
    redact = RedactSecrets([])
    try:
        raise ValueError("bad token xoxb-1-2-3")
    except ValueError:
        import sys

        entry = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    redact.filter(entry)
    assert "xoxb-1-2-3" not in entry.exc_text and "[redacted]" in entry.exc_text


def test_short_secrets_are_not_used_as_patterns() -> None:
    entry = record("a b c")
    RedactSecrets(["a"]).filter(entry)
    assert entry.getMessage() == "a b c"


# -- LOG_FORMAT=json ------------------------------------------------------------------------
SIGNING = "0123456789abcdef-signing-secret"
TOKEN = "xoxb-1234-5678-jsontokenvalue"


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the serve process's JSON handler into a buffer."""
    stream = io.StringIO()
    logger = logging.getLogger("bot.test.json")
    handler = make_handler([SIGNING], "json", stream)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_time_level_logger_message(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log
    logger.info("posted %s to %s", "q-1", "C1")
    logger.warning("line two")
    first, second = lines(stream)
    assert list(first) == ["time", "level", "logger", "message"]
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "bot.test.json",
        "posted q-1 to C1",
    )
    when = dt.datetime.fromisoformat(first["time"].replace("Z", "+00:00"))
    assert first["time"].endswith("Z") and abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(seconds=5)
    assert second["level"] == "WARNING"
    assert stream.getvalue().count("\n") == 2  # one object per line


def test_the_request_context_is_added_where_known(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log
    with log_context(request_id="r1", team="T1"):
        logger.info("in the request")
        with log_context(channel="C1", user="U1"):
            logger.info("in the listener", extra={"channel": "C2"})  # an explicit field wins
        bind_log_context(user="U9", team=None)  # bound until the request ends; None clears
        logger.info("bound")
    logger.info("after")
    inside, listener, bound, after = lines(stream)
    assert (inside["request_id"], inside["team"]) == ("r1", "T1") and "channel" not in inside
    assert {k: listener[k] for k in CONTEXT_FIELDS} == {
        "team": "T1",
        "channel": "C2",
        "user": "U1",
        "request_id": "r1",
    }
    assert (bound["user"], "team" in bound, bound["request_id"]) == ("U9", False, "r1")
    assert not set(CONTEXT_FIELDS) & set(after)
    with pytest.raises(TypeError):
        log_context(token="x").__enter__()  # only known fields: nothing else can ride along


def test_work_handed_to_a_pool_keeps_the_context(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log
    with ContextExecutor(max_workers=1) as pool:
        with log_context(request_id="r2", channel="C7"):
            pool.submit(logger.info, "from the pool").result()
        pool.submit(logger.info, "later, from another request").result()
    pooled, later = lines(stream)
    assert (pooled["request_id"], pooled["channel"]) == ("r2", "C7")
    assert "request_id" not in later  # the pool thread kept nothing of the first


def test_tracebacks_go_in_exc(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    (entry,) = lines(stream)
    assert entry["message"] == "failed"
    assert entry["exc"].startswith("Traceback") and "RuntimeError: boom" in entry["exc"]


def test_no_token_reaches_a_json_line(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_log
    logger.info(f"token in the message {TOKEN}")
    logger.info("token in an argument %s", TOKEN)
    logger.info("secret in an argument %s", SIGNING)
    try:
        raise ValueError(f"bad token {TOKEN}")
    except ValueError:
        logger.exception("token in the exception")
    with log_context(user=TOKEN):  # even a token put where an id belongs
        logger.info("token in the context")
    logger.info("stack", stack_info=True, extra={"team": TOKEN})
    text = stream.getvalue()
    assert TOKEN not in text and SIGNING not in text
    assert TOKEN.split("-", 1)[1] not in text  # nor the token's body without the prefix
    entries = lines(stream)
    assert len(entries) == 6 and all("[redacted]" in json.dumps(e) for e in entries)
    assert "ValueError: bad token [redacted]" in entries[3]["exc"]


def test_log_format_is_text_by_default_and_anything_but_text_or_json_is_refused() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": SIGNING}
    assert load_settings(env).log_format == "text"
    assert load_settings({**env, "LOG_FORMAT": "json"}).log_format == "json"
    assert load_settings({**env, "LOG_FORMAT": " JSON "}).log_format == "json"
    for bad in ("xml", "jsonl", "logfmt"):
        with pytest.raises(ConfigError, match="LOG_FORMAT") as error:
            load_settings({**env, "LOG_FORMAT": bad})
        assert bad in str(error.value)


def test_the_text_format_is_unchanged() -> None:
    stream = io.StringIO()
    handler = make_handler([SIGNING], "text", stream)
    entry = record("calling with %s", TOKEN)
    handler.handle(entry)
    line = stream.getvalue().rstrip("\n")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING bot: calling with \[redacted\]", line
    ), line


def test_the_bolt_middleware_names_each_request_and_forgets_the_last() -> None:
    from slack_bolt import BoltContext

    from bot.app import _log_fields

    seen: list[dict[str, str]] = []

    def request(*, socket_mode: bool, **ids: str | None) -> None:
        context = BoltContext(
            {"team_id": ids.get("team"), "channel_id": ids.get("channel"), "user_id": ids["user"]}
        )
        _log_fields(socket_mode=socket_mode)(context, lambda: seen.append(dict(current_log_context())))

    def socket_mode_thread() -> None:  # one worker thread, two requests, nothing resets between
        request(socket_mode=True, team="T1", channel="C1", user="U1")
        request(socket_mode=True, team="T1", user="U2")

    def http_request() -> None:
        with log_context(request_id="front-id"):  # bot/web.py's
            request(socket_mode=False, team="T2", channel="C2", user="U3")
        seen.append(dict(current_log_context()))

    contextvars.copy_context().run(socket_mode_thread)
    contextvars.copy_context().run(http_request)
    first, second, http, after = seen
    assert {k: first[k] for k in ("team", "channel", "user")} == {"team": "T1", "channel": "C1", "user": "U1"}
    assert "channel" not in second and second["user"] == "U2"  # not the last request's channel
    assert len(first["request_id"]) == 16 and second["request_id"] != first["request_id"]
    assert http == {"request_id": "front-id", "team": "T2", "channel": "C2", "user": "U3"}
    assert after == {}  # the HTTP request's end drops what the middleware bound
