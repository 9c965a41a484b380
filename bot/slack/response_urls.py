"""Posting to an interaction's response_url (Slack: 5 uses within 30 minutes; no Web API tier)
over kept-alive connections: one per outbox worker thread and host, so a morning's thousand
verdicts do not each open a new TLS connection to Slack."""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

TIMEOUT_S = 10.0
# A kept-alive connection the server closed while idle fails like this before the request is
# read: the request is sent again once, on a new connection.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class ResponseUrls:
    def __init__(self, *, timeout: float = TIMEOUT_S) -> None:
        self.timeout = timeout
        self._local = threading.local()

    def post(self, url: str, payload: dict) -> int:
        """POST the JSON payload; the HTTP status Slack answered. Raises OSError (and
        http.client's errors) when no answer came."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("not a response_url")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = json.dumps(payload).encode()
        connections: dict[tuple[str, str], http.client.HTTPConnection] = self._local.__dict__.setdefault(
            "connections", {}
        )
        key = (parts.scheme, parts.netloc)
        for fresh in (False, True):
            connection = connections.get(key)
            reused = connection is not None and not fresh
            if connection is None or fresh:
                if connection is not None:
                    connection.close()
                connection = connections[key] = self._connect(parts.scheme, parts.netloc)
            try:
                connection.request(
                    "POST", target, body=body, headers={"Content-Type": "application/json; charset=utf-8"}
                )
                response = connection.getresponse()
                response.read()
            except _STALE:
                connection.close()
                del connections[key]
                if reused:
                    continue
                raise
            except (OSError, http.client.HTTPException):
                connection.close()
                del connections[key]
                raise
            if response.will_close:
                connection.close()
                del connections[key]
            return response.status
        raise ConnectionError("response_url: no answer")  # pragma: no cover - the loop returns

    def _connect(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if scheme == "https":
            return http.client.HTTPSConnection(netloc, timeout=self.timeout)
        return http.client.HTTPConnection(netloc, timeout=self.timeout)
