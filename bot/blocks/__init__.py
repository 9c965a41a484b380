"""Block Kit builders: pure functions from content and numbers to Slack blocks."""
