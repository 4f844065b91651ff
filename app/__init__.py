"""Warroom: runs the war room in Slack when a machine-learning model fails in production."""
