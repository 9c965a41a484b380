"""`/leader-quiz help`: what the command does, subcommand by subcommand."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.blocks.quiz_teams import TEAM_HELP
from bot.blocks.text import section

HELP_TEXT = """*/leader-quiz* — one leader-election question a day, answered with a button.
• `/leader-quiz` or `/leader-quiz practice [lesson]` — a practice question just for you
  (counts toward lesson progress, never streaks)
• `/leader-quiz stats [@user]` — streaks, accuracy and lesson progress
• `/leader-quiz leaderboard [accuracy] [week|month|all]` — this channel's ranking (default: this month);
  `accuracy` ranks by share right among people with at least 5 answers, fair to late joiners
• `/leader-quiz lessons` — the lessons and your progress in each
• `/leader-quiz review` — your due reviews, one at a time (spaced repetition: what you missed comes back)
• `/leader-quiz remind on [HH:MM]` · `remind off` — at most one DM a day at your local time, when reviews
  are due or a streak of 3+ is at risk (default 09:00)
• `/leader-quiz help` — this message
*Admins* (workspace admins and owners, and QUIZ_ADMINS):
• `/leader-quiz schedule HH:MM ZONE DAYS` — e.g. `schedule 09:30 Europe/Berlin mon-fri`
  (DAYS: `mon-fri`, `daily`, `mon,wed,fri`)
• `/leader-quiz schedule off` — stop daily questions here · `/leader-quiz schedule` — show it
• `/leader-quiz post` — post today's question here now
• `/leader-quiz status` — schedules, next post times and the current leader
• `/leader-quiz insights [week|month|all]` — what the channel gets wrong: per question, per lesson
• `/leader-quiz reports` — players' reports of problems with questions · `reports resolve N`"""


OWN_HELP = """*Your team's own questions* (about your own systems, beside the curriculum):
• `/leader-quiz suggest` — suggest one (a form); an admin adds, edits or declines it, and you hear which
• `/leader-quiz author` (admins) — write one in a form; App Home lists suggestions to approve
• `/leader-quiz lessons use shipped|own|both` (admins) — what this channel's daily questions draw on
  (`both`: your own and the curriculum's take turns)
• `/leader-quiz retire <id>` (admins) — take one of your own questions out of rotation; its history stays"""


def render_help(unknown: str | None = None) -> tuple[str, list[Block]]:
    blocks: list[Block] = []
    if unknown:
        blocks.append(section(f"I don't know `{unknown[:50]}`. Here is what I can do:"))
    blocks.append(section(HELP_TEXT))
    blocks.append(section(TEAM_HELP))
    blocks.append(section(OWN_HELP))
    return "leader-quiz help", blocks
