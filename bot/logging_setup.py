"""Logging for the bot: one line per record, and secrets redacted whatever logs them."""

from __future__ import annotations

import logging
import re
import sys

SECRET_PATTERN = re.compile(r"xox[abpre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


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
        if clean != message:
            record.msg, record.args = clean, None
        return True


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelName(level), logging.WARNING))
