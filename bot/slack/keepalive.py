"""HTTP/1.1 connections to Slack kept open between requests: one per thread and host, so a
morning's thousand verdicts and count updates do not each open a new TLS connection (a
handshake costs more than the request). Both ways out use it: the Web API clients
(bot.slack.clients) and the response_url poster (bot.slack.response_urls).

Written here rather than taken from urllib3 or requests: slack_sdk sends through urllib, and
this is the one hook it offers; a thread-local http.client connection is what both need, with
one resend when a kept connection turns out to have been closed while idle."""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT_S = 10.0
# A kept-alive connection the server closed while idle fails like this before the request is
# read: the request is sent again once, on a new connection.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class KeepAlive:
    def __init__(self, *, timeout: float = TIMEOUT_S, context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.context = context
        self._local = threading.local()

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST `body`; Slack's answer, whatever its status. Raises OSError when no answer (or a
        garbled one) came."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {parts.scheme}://{parts.netloc}")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
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
                connection.request("POST", target, body=body, headers=dict(headers))
                response = connection.getresponse()
                data = response.read()
            except _STALE:
                connection.close()
                del connections[key]
                if reused:
                    continue
                raise
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                del connections[key]
                if isinstance(error, OSError):
                    raise
                # A garbled answer is no answer: callers handle OSError (as urllib's URLError).
                raise ConnectionError(f"{parts.netloc}: {type(error).__name__}") from error
            if response.will_close:
                connection.close()
                del connections[key]
            return Reply(response.status, dict(response.getheaders()), data)
        raise ConnectionError(f"{parts.netloc}: no answer")  # pragma: no cover - the loop returns

    def _connect(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if scheme == "https":
            return http.client.HTTPSConnection(
                netloc, timeout=self.timeout, context=self.context or ssl.create_default_context()
            )
        return http.client.HTTPConnection(netloc, timeout=self.timeout)


CONNECTIONS = KeepAlive()  # the process's pool: every client and poster shares it
