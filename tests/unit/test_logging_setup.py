"""The serve process's log filter redacts tokens and the configured secrets."""

from __future__ import annotations

import logging

from bot.logging_setup import RedactSecrets


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
