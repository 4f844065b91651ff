"""App Home render time: the server-side work of drawing one person's Home tab.

Seeds N active incidents through the real use cases (declarations, roles, decisions) into a
fresh SQLite file, then times `home.opened` (the database reads, and remembering the viewer)
plus `home_view` (Block Kit) for one person, many times. Prints p50/p99 in ms and the number
of blocks against Slack's limit of 100. Target: under 100 ms with 200 active incidents.

    python -m bench.home_render [--incidents 200 2000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.config import WarroomConfig
from app.persistence.engine import Database, make_engine
from app.persistence.migrate import upgrade
from app.persistence.tables import Incident
from app.services import action_items, decisions, home, roles
from app.services.context import ServiceContext
from app.services.declare import Declaration, declare_incident
from app.slack.blocks.home import home_view
from tests.harness import FakeClock

VIEWER, OTHERS = "U0VIEWER1", ["U0ALICE01", "U0BOBBY01", "U0CAROL01"]
SEVERITIES = ["sev1", "sev2", "sev3", "sev4"]


def seed(ctx: ServiceContext, count: int) -> None:
    """Incidents of every severity, some private, the viewer in some roles and owning some
    decisions and action items; channel ids set as if Slack had created the channels."""
    for n in range(count):
        declarer = OTHERS[n % len(OTHERS)]
        declared = declare_incident(
            ctx,
            Declaration(
                title=f"Model incident {n}: drift on feature_{n}",
                severity=SEVERITIES[n % 4],
                declared_by=declarer,
                private=n % 10 == 0,
            ),
        )
        channel = f"C{declared.number:08d}"
        with ctx.db.transaction() as session:
            incident = session.get(Incident, declared.number)
            assert incident is not None
            incident.channel_id = channel
            session.add(incident)
        if n % 5 == 0:
            roles.assign_role(ctx, channel, "scribe", VIEWER, VIEWER)
        if n % 7 == 0:
            decisions.ask_decision(
                ctx, channel, decisions.Ask(f"Roll back feature_{n} model?", declarer, owner=VIEWER)
            )
        if n % 3 == 0:  # follow-ups, most owned by others, the viewer's across many incidents
            owner = VIEWER if n % 9 == 0 else declarer
            new = action_items.NewItem(f"Alert on feature_{n} nulls", declarer, owner)
            action_items.record(ctx, action_items.Where(channel), new)


def measure(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'home.db'}")
        upgrade(engine)
        clock = FakeClock(datetime.now(UTC))
        ctx = ServiceContext(Database(engine), WarroomConfig(), clock)
        started = time.perf_counter()
        seed(ctx, count)
        seeded = time.perf_counter() - started
        # As `warroom serve` does after start-up: the seeding's objects are this script's,
        # not the server's, and full collections over them would be measured as render time.
        gc.collect()
        gc.freeze()
        clock.advance(timedelta(minutes=20))
        timings, blocks = [], 0
        for _ in range(repeat + 20):
            begin = time.perf_counter()
            view = home_view(home.opened(ctx, VIEWER))
            timings.append((time.perf_counter() - begin) * 1000)
            blocks = len(view["blocks"])
        timings = timings[20:]  # warm-up
        data = home.opened(ctx, VIEWER)
        engine.dispose()
        gc.unfreeze()
    p50 = statistics.median(timings)
    p99 = sorted(timings)[int(len(timings) * 0.99) - 1]
    verdict = "met" if p99 < 100 else "MISSED"
    print(
        f"{count:>6} active incidents (seeded in {seeded:.1f} s): render p50 {p50:6.1f} ms, "
        f"p99 {p99:6.1f} ms (target < 100 ms: {verdict}); {blocks} blocks (limit 100); "
        f"shown to the viewer: {len(data.incidents)} incidents, {len(data.my_roles)} roles, "
        f"{len(data.my_decisions)} decisions waiting, {len(data.my_action_items)} action items"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    print("App Home render (home.opened + home_view), SQLite, one process")
    for count in args.incidents:
        measure(min(count, 5000), min(args.repeat, 1000))


if __name__ == "__main__":
    main()
