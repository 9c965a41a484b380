"""The Bolt app factory: settings, a Web API client and the listeners in, a wired App out."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from slack_bolt import App, BoltContext
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.config import Settings
from bot.listeners import Listeners, register_listeners
from bot.logging_setup import ContextExecutor, bind_log_context
from bot.slack.requests import CheckedApp

LISTENER_THREADS = 16


def create_app(
    settings: Settings,
    *,
    client: WebClient,
    listeners: Listeners,
    oauth: OAuthSettings | None = None,
    authorize: Authorize | None = None,
) -> App:
    """Single-workspace mode: `client` carries the bot token. Multi-workspace mode: `client`
    has none, `oauth` runs Bolt's install flow and `authorize` finds each request's token."""
    app = CheckedApp(
        client=client,
        oauth_settings=oauth,
        authorize=authorize,
        signing_secret=settings.slack_signing_secret,
        # Bolt would call auth.test at start; the token is checked on first use instead,
        # so a Slack hiccup at boot does not keep the bot (and /healthz) down.
        token_verification_enabled=False,
        # Bolt checks every HTTP request's signature and age (Socket Mode's are not signed,
        # and Bolt skips them). Without a secret (Socket Mode) the HTTP front refuses
        # /slack/events itself: an empty key would verify anything. Measured with
        # bench/click_path.py (1,000 clicks, SQLite, two runs each): the front's CPU per click
        # 1.60/1.71 ms when it verified and parsed the body itself, 1.59/1.63 ms with Bolt
        # verifying and one parse: no cost to take back.
        request_verification_enabled=bool(settings.slack_signing_secret),
        # Button clicks are graded on the request thread and acked when done (a few ms; the
        # reply goes out through the outbox). That avoids Bolt's hand-off to an executor whose
        # request thread polls for the ack every 10 ms. Slow work (slash commands, App Home)
        # is acked first and runs as a lazy listener.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        # Lazy listeners run in the request's log context (its id, team, channel, user).
        listener_executor=ContextExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
        logger=logging.getLogger("bot.bolt"),
    )
    app.use(_log_fields(socket_mode=settings.socket_mode))
    register_listeners(app, listeners)
    return app


def _log_fields(*, socket_mode: bool) -> Callable[..., None]:
    """Middleware naming each request's workspace, channel and person in its log lines. Bolt
    runs listeners after the middleware returns, so the fields are bound, not scoped: an HTTP
    request's end (bot/web.py) drops them; a Socket Mode request replaces the last one's, id too."""

    def bind(context: BoltContext, next_: Callable[[], None]) -> None:
        fields = {"team": context.team_id, "channel": context.channel_id, "user": context.user_id}
        if socket_mode:
            fields["request_id"] = uuid.uuid4().hex[:16]
        bind_log_context(**fields)
        next_()

    return bind
