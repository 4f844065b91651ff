"""Routes for the world outside Slack (alerts from monitoring; later the status page and
metrics), served beside /slack/events in HTTP mode and by `serve --web-port` in Socket Mode."""
