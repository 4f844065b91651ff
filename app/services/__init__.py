"""Use cases. Each takes plain arguments, runs in one transaction, and records what must be
said to Slack as outbox rows in that same transaction."""
