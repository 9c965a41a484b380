"""Events API listeners."""

from slack_bolt import App

from bot.listeners.events.app_home_opened import AppHomeOpened, ack_event
from bot.listeners.events.lifecycle import Lifecycle


def register(app: App, *, home: AppHomeOpened, lifecycle: Lifecycle | None) -> None:
    app.event("app_home_opened")(ack=ack_event, lazy=[home.handle])
    if lifecycle is not None:  # multi-workspace mode
        app.event("app_uninstalled")(lifecycle.app_uninstalled)
        app.event("tokens_revoked")(lifecycle.tokens_revoked)
