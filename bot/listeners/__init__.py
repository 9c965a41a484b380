"""Listeners grouped by Slack feature; each package wires its ids to functions."""

from slack_bolt import App

from bot.listeners import actions, commands, events


def register_listeners(app: App) -> None:
    actions.register(app)
    commands.register(app)
    events.register(app)
