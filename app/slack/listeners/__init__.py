"""Listeners grouped by kind; each group has register(app, deps)."""

from slack_bolt.async_app import AsyncApp

from app.slack.deps import SlackDeps
from app.slack.listeners import (
    alerts,
    commands,
    decisions,
    errors,
    events,
    home,
    impact,
    playbooks,
    satisfaction,
    updates,
    views,
)


def register_all(app: AsyncApp, deps: SlackDeps) -> None:
    commands.register(app, deps)
    views.register(app, deps)
    updates.register(app, deps)
    decisions.register(app, deps)
    home.register(app, deps)
    events.register(app, deps)
    impact.register(app, deps)
    playbooks.register(app, deps)
    alerts.register(app, deps)
    satisfaction.register(app, deps)
    errors.register(app, deps)
