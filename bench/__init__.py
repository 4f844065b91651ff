"""Benchmarks for Warroom. Run from the repository root: `python -m bench.<name>` (README.md)."""
