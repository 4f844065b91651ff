"""FakeSlack in a process of its own, for benchmarks that keep it off the load generator's CPU.

    python -m bench.fake_slack --info-file F [--latency 0] [--response-urls N]

Serves the fake Web API (and response URLs) on 127.0.0.1, seeds the workspace the test harness
uses (people, #general, #incidents), issues N response URLs up front (each takes 5 posts within
30 minutes), then writes F as JSON ({api_url, bot_token, general, announcements, people,
response_urls}) and serves until SIGTERM/SIGINT. With --stats-file it writes, on the way out,
how many Web API calls it answered, by method and HTTP status.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench._common import BOT_TOKEN, NO_RATE_LIMIT, write_json_atomically
from tests.fakes.slack_api import FakeSlack
from tests.harness import ANNOUNCEMENTS, People
from tests.manifest import manifest_bot_scopes

MAX_RESPONSE_URLS = 100_000


def seed(fake: FakeSlack) -> dict[str, Any]:
    people = People()
    for user_id, name in [
        (people.alice, "alice"),
        (people.bob, "bob"),
        (people.carol, "carol"),
        (people.dana, "dana"),
        (people.admin, "admin"),
    ]:
        fake.add_user(user_id, name)
    everyone = [people.alice, people.bob, people.carol, people.dana, people.admin]
    general = fake.add_channel("general", members=everyone)
    announcements = fake.add_channel(ANNOUNCEMENTS, members=everyone)
    return {"general": general, "announcements": announcements, "people": asdict(people)}


def stats(fake: FakeSlack) -> dict[str, Any]:
    calls = fake.calls
    return {
        "calls": len(calls),
        "by_method": dict(Counter(c.method for c in calls)),
        "by_status": {str(k): v for k, v in Counter(c.status for c in calls).items()},
        "errors": dict(Counter(c.response.get("error") for c in calls if not c.ok)),
        "fake_errors": len(fake.fake_errors),
        "response_url_posts": sum(len(r) for r in fake.responses.values()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--info-file", type=Path, required=True)
    parser.add_argument("--stats-file", type=Path)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--response-urls", type=int, default=0)
    args = parser.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    fake = FakeSlack(
        bot_token=BOT_TOKEN,
        latency=args.latency,
        scopes=manifest_bot_scopes(),
        post_burst=NO_RATE_LIMIT,
    ).start()
    try:
        info = seed(fake)
        count = max(0, min(args.response_urls, MAX_RESPONSE_URLS))
        info.update(
            api_url=fake.api_url,
            bot_token=fake.bot_token,
            response_urls=[fake.new_response_url() for _ in range(count)],
        )
        write_json_atomically(args.info_file, info)
        stop.wait()
        if args.stats_file:
            args.stats_file.write_text(json.dumps(stats(fake)))
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
