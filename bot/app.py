"""The Bolt app factory: settings and a Web API client in, a wired App out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltContext

from bot.listeners import register_listeners
from bot.runtime import Runtime
from bot.services.commands import CommandRunner

LISTENER_THREADS = 16


def create_app(runtime: Runtime) -> App:
    settings = runtime.settings
    app = App(
        client=runtime.client,
        signing_secret=settings.slack_signing_secret or None,
        # Bolt would call auth.test at start; the token is checked on first use instead,
        # so a Slack hiccup at boot does not keep the bot (and /healthz) down.
        token_verification_enabled=False,
        request_verification_enabled=not settings.socket_mode,
        # Button clicks are graded on the request thread and acked when done (a few ms; the
        # reply goes out through the outbox). That avoids Bolt's hand-off to an executor whose
        # request thread polls for the ack every 10 ms. Slow work (slash commands, App Home)
        # is acked first and runs as a lazy listener.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
        logger=logging.getLogger("bot.bolt"),
    )
    commands = CommandRunner(runtime)

    @app.middleware
    def provide_runtime(context: BoltContext, next: Callable[[], None]) -> None:
        context["runtime"] = runtime
        context["commands"] = commands
        next()

    register_listeners(app)
    return app
