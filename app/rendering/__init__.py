"""Words come from Jinja2 templates in message_templates/; structure stays in Python."""
