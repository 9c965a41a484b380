"""Slack Web API plumbing: clients with retries, and the right client for each workspace."""
