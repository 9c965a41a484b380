"""Plain data the bot shows (report shapes, the dashboard's figures, forms): no I/O, no Slack calls.
The quiz's rules themselves live in `quiz`."""
