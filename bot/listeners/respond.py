"""Turning a database outage into a polite answer instead of a crash (every listener's
replies leave through the outbox: bot.services.private_replies)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import metrics
from bot.blocks.reply import UNAVAILABLE, Reply
from db.engine import is_unavailable

logger = logging.getLogger(__name__)


def guarded(work: Callable[[], Reply]) -> Reply:
    """Run `work`; a database outage becomes "temporarily unavailable" instead of a crash."""
    try:
        return work()
    except Exception as error:
        if is_unavailable(error):
            logger.warning("database unavailable: %s", type(error).__name__)
            metrics.DATABASE_ERRORS.inc()
            return UNAVAILABLE
        raise
