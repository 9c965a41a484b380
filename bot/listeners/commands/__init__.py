"""The /leader-quiz slash command."""

from slack_bolt import App

from bot.listeners.commands.leader_quiz import LeaderQuiz, ack_leader_quiz

COMMAND = "/leader-quiz"


def register(app: App, *, leader_quiz: LeaderQuiz) -> None:
    app.command(COMMAND)(ack=ack_leader_quiz, lazy=[leader_quiz.handle])
