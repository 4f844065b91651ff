"""Pure Block Kit builders: data in, dicts out, within Slack's limits."""
