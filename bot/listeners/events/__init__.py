"""Events API listeners."""

from slack_bolt import App

from bot.listeners.events.app_home_opened import ack_event, handle_app_home_opened


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_event, lazy=[handle_app_home_opened])
