"""Clients for systems other than Slack, each behind a small interface the services name."""
