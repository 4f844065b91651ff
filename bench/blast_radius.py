"""The blast radius of a large catalog: 2,000 systems, 10 levels deep, 5 dependants each.

The catalog is layered: 10 levels of 200 systems; every system in a level has 5 dependants in
the next, spread so that each one below has 5 upstreams, and every model serves one of 20
business functions. The radius of a system at the top reaches nearly everything below
it, the worst case. Timed: the radius itself, and the radius with the message Slack gets
(grouping, names, owners, Block Kit), as `/incident affects` computes them.

    python -m bench.blast_radius            # about 5 seconds

Prints p50, p99 and max over the runs; nothing is asserted (target: under 50 ms).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from app.config import parse_config
from app.services import outbox_messages as said
from app.slack.blocks.impact import blast_radius_message
from bench._common import ms, percentile

LEVELS, WIDTH, FANOUT, FUNCTIONS = 10, 200, 5, 20
KINDS = ["feature_store", "dataset", "pipeline"] + ["model"] * 7


def catalog_config() -> dict[str, Any]:
    functions = {
        f"f{n}": {"name": f"Business function {n}", "owners": [f"U0FUNC{n:03d}"]}
        for n in range(FUNCTIONS)
    }
    ups: dict[str, list[str]] = {}
    for level in range(LEVELS - 1):  # system i's dependants: 5 spread over the next level
        for i in range(WIDTH):
            for k in range(FANOUT):
                below = f"l{level + 1}-{(FANOUT * i + k) % WIDTH}"
                ups.setdefault(below, []).append(f"l{level}-{i}")
    systems: dict[str, Any] = {}
    for level in range(LEVELS):
        for i in range(WIDTH):
            key = f"l{level}-{i}"
            systems[key] = {
                "kind": KINDS[level],
                "owners": [f"U0OWN{level}{i:03d}"],
                "depends_on": ups.get(key, []),
                "serves": [f"f{i % FUNCTIONS}"] if KINDS[level] == "model" else [],
                "risk_tier": "critical" if i == 0 else "moderate",
            }
    return {"catalog": systems, "business_functions": functions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    config = parse_config(catalog_config())
    catalog = config.catalog_model()
    loaded = time.perf_counter() - started
    radius_times, message_times = [], []
    for run in range(min(args.runs, 2000)):
        root = f"l0-{run % WIDTH}"
        began = time.perf_counter()
        radius = catalog.blast_radius([root])
        radius_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        radius = catalog.blast_radius([root])
        shown = said.BlastRadiusShown(
            affected=[root],
            downstream=[s.key for s in radius.downstream],
            functions=[f.key for f in radius.functions],
            versions=[],
            added_by="U0ALICE01",
            invited=list(radius.owners),
        )
        message = blast_radius_message(shown, catalog)
        message_times.append(time.perf_counter() - began)
    print(f"catalog: {len(catalog.systems):,} systems, {LEVELS} levels, {FANOUT} dependants each")
    print(f"  validated and built once in {ms(loaded)} ms")
    print(
        f"  radius of a top system: {len(radius.systems):,} systems, "
        f"{len(radius.functions)} business functions, {len(radius.owners):,} owners"
    )
    print(f"  radius only:          {_spread(radius_times)} ms")
    print(f"  radius and message:   {_spread(message_times)} ms ({len(message.blocks)} blocks)")


def _spread(samples: list[float]) -> str:
    return (
        f"p50 {ms(percentile(samples, 50))}, p99 {ms(percentile(samples, 99))}, "
        f"max {ms(max(samples))}"
    )


if __name__ == "__main__":
    main()
