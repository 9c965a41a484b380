"""Events API listeners."""

from slack_bolt import App

from bot.listeners.events.app_home_opened import AppHomeOpened, ack_event


def register(app: App, *, home: AppHomeOpened) -> None:
    app.event("app_home_opened")(ack=ack_event, lazy=[home.handle])
