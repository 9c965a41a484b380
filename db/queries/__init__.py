"""Query functions: keyword-only arguments and a session, one module per concern."""
