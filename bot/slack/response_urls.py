"""Posting to an interaction's response_url (Slack: 5 uses within 30 minutes; no Web API tier)
over the kept-alive connections every way out to Slack shares (bot.slack.keepalive)."""

from __future__ import annotations

import json

from bot.slack.keepalive import CONNECTIONS, KeepAlive

HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class ResponseUrls:
    def __init__(self, *, connections: KeepAlive = CONNECTIONS) -> None:
        self.connections = connections

    def post(self, url: str, payload: dict) -> int:
        """POST the JSON payload; the HTTP status Slack answered. Raises OSError when no answer
        came, ValueError for what is not a URL."""
        return self.connections.post(url, body=json.dumps(payload).encode(), headers=HEADERS).status
