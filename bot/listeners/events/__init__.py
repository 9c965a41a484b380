"""Events API listeners (App Home arrives with the teams issue)."""

from slack_bolt import App


def register(app: App) -> None:
    return None
