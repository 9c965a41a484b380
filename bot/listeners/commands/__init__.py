"""The /leader-quiz slash command."""

from slack_bolt import App

from bot.listeners.commands.leader_quiz import handle_leader_quiz

COMMAND = "/leader-quiz"


def register(app: App) -> None:
    app.command(COMMAND)(handle_leader_quiz)
