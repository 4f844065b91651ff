"""How long the tests' `mlflow server` takes to start and stop, and the adapter's first calls.

    python -m bench.mlflow_server_start [--runs 3]

Each run starts the server exactly as the test fixture does (tests/mlflow_server.py: SQLite
store in a fresh temporary folder, one worker, 127.0.0.1), times launch to the first 200 from
/health, times one model()/versions() pair through MlflowRegistry, then times SIGTERM to exit.
Prints the figures, asserts nothing; every server is stopped on the way out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from app.integrations.mlflow_registry import MlflowRegistry
from bench._common import median
from tests.mlflow_server import MlflowSeeder, MlflowServer, mlflow_executable


def one_run(executable: str) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as folder:
        server = MlflowServer(executable, Path(folder))
        try:
            server.start()
            seeder = MlflowSeeder(server.uri)
            seeder.add_model("fraud")
            seeder.add_version("fraud")
            seeder.close()
            began = time.monotonic()
            with MlflowRegistry(server.uri) as registry:
                registry.model("fraud")
                registry.versions("fraud")
            calls = time.monotonic() - began
        finally:
            stopping = time.monotonic()
            server.stop()
        assert server.started_in is not None
        return server.started_in, calls, time.monotonic() - stopping


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = min(parser.parse_args().runs, 10)
    executable = mlflow_executable()
    if executable is None:
        print("no mlflow executable: pip install -e '.[dev]' (or set WARROOM_MLFLOW_BIN)")
        return 1
    print(f"mlflow: {executable}")
    figures = []
    for number in range(1, runs + 1):
        start, calls, stop = one_run(executable)
        figures.append((start, calls, stop))
        print(
            f"run {number}: start {start:.2f} s, model+versions {calls * 1000:.0f} ms, "
            f"stop {stop:.2f} s"
        )
    starts, calls_, stops = zip(*figures, strict=True)
    print(
        f"median of {runs}: start {median(starts):.2f} s, "
        f"model+versions {median(calls_) * 1000:.0f} ms, stop {median(stops):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
