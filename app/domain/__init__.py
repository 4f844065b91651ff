"""Incident rules with no framework imports: time comes in as an argument."""
