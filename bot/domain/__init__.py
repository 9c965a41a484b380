"""Plain data and pure rules of the bot (schedules, report shapes): no I/O, no Slack calls."""
