"""The bot's work, independent of how it was triggered (Slack listener, scheduler or CLI)."""
