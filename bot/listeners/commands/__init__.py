"""The /leader-quiz slash command."""

from slack_bolt import App

from bot.listeners.commands.leader_quiz import ack_leader_quiz, handle_leader_quiz

COMMAND = "/leader-quiz"


def register(app: App) -> None:
    app.command(COMMAND)(ack=ack_leader_quiz, lazy=[handle_leader_quiz])
