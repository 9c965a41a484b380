"""leader-quiz: the Slack side (app factory, listeners, Block Kit, scheduler, CLI)."""
