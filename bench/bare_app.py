"""The ceiling for the click burst: a bare Bolt app whose only listener acks, served by the
same HTTP server as `leader-quiz serve` (gunicorn, one gthread worker, the same thread
count, keep-alive and timeouts as bot/server.py's QuizServer).

    python bench/bare_app.py --port 8001 --threads 16
    python bench/bare_app.py --port 8001 --workers 2 --threads 8   # issue 14's first ceiling
    python bench/bare_app.py --port 8001 --asgi --workers 2        # AsyncApp under uvicorn
    python bench/bare_app.py --port 8001 --workers 2 --threads 8 --respond  # issue 21's second

`--respond`: a click's listener also posts a fixed private reply to the click's response_url
after acknowledging it, over kept-alive connections (bot.slack.keepalive, as the app posts):
the ceiling for an app that must answer every click.

`--asgi` needs uvicorn and aiohttp, which the app does not use (bench/README.md says how to
install them beside the locked dependencies for a measurement).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bot.slack.keepalive import CONNECTIONS  # the product's way out: a fair ceiling

HEALTH = b'{"status": "ok"}'


BUDGET_MARK = {"X-Leader-Quiz-Budget": "bare-app"}
REPLY = json.dumps({"response_type": "ephemeral", "replace_original": False, "text": "ceiling"}).encode()
REPLY_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def build_wsgi(*, signing_secret: str, token: str, api_url: str, respond: bool = False) -> Any:
    from slack_sdk import WebClient

    app = App(
        # Not the product: its calls carry the budget mark so the fake (which refuses the app's
        # calls that skip its gate) serves the ceiling's one auth.test.
        client=WebClient(token=token, base_url=api_url, headers=BUDGET_MARK),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener"),
        logger=logging.getLogger("bench.bare"),
    )

    def only_ack(ack: Any) -> None:
        ack()

    def ack_and_respond(ack: Any, body: dict) -> None:
        ack()
        CONNECTIONS.post(body["response_url"], body=REPLY, headers=REPLY_HEADERS)

    app.action(re.compile(r"^answer_[A-E]$"))(ack_and_respond if respond else only_ack)
    app.action(re.compile(r"^practice_[A-E]$"))(only_ack)
    app.command("/leader-quiz")(only_ack)
    app.event("app_home_opened")(only_ack)
    handler = SlackRequestHandler(app)

    def wsgi(environ: dict, start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(HEALTH)))]
            )
            return [HEALTH]
        return handler(environ, start_response)

    return wsgi


class BareServer(BaseApplication):
    """gunicorn configured exactly as bot.server.QuizServer.load_config does."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        super().__init__()

    def load_config(self) -> None:
        config = {
            "bind": f"{self.args.host}:{self.args.port}",
            "workers": self.args.workers,
            "worker_class": "gthread",
            "threads": self.args.threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "leader-quiz-bare",
            "limit_request_field_size": 16384,
        }
        for key, value in config.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return build_wsgi(
            signing_secret=self.args.secret,
            token=self.args.token,
            api_url=self.args.api_url,
            respond=self.args.respond,
        )


def build_asgi(*, signing_secret: str, token: str, api_url: str) -> Any:
    """The same bare listener on Bolt's AsyncApp, for uvicorn."""
    from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_url, headers=BUDGET_MARK),
        signing_secret=signing_secret,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bench.bare"),
    )

    async def only_ack(ack: Any) -> None:
        await ack()

    app.action(re.compile(r"^answer_[A-E]$"))(only_ack)
    app.action(re.compile(r"^practice_[A-E]$"))(only_ack)
    app.command("/leader-quiz")(only_ack)
    app.event("app_home_opened")(only_ack)
    handler = AsyncSlackRequestHandler(app)

    async def asgi(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path") == "/healthz":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": HEALTH})
            return
        await handler(scope, receive, send)

    return asgi


def asgi_app() -> Any:
    """uvicorn's factory (--factory): settings come from the environment its workers inherit."""
    import os

    return build_asgi(
        signing_secret=os.environ["BARE_SECRET"], token="xoxb-bench-bare", api_url=os.environ["BARE_API_URL"]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--asgi", action="store_true", help="AsyncApp under uvicorn instead")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--token", default="xoxb-bench-bare")
    parser.add_argument("--api-url", default="http://127.0.0.1:9/api/")
    parser.add_argument("--respond", action="store_true", help="post a reply to each click's response_url")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.asgi:
        import os

        import uvicorn

        os.environ.update(BARE_SECRET=args.secret, BARE_API_URL=args.api_url)
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        uvicorn.run(
            "bench.bare_app:asgi_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
            access_log=False,
        )
        return 0
    BareServer(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
