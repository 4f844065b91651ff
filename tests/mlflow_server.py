"""A real `mlflow server` for the registry tests, and a seeder that fills it over REST.

The server listens on 127.0.0.1 on a free port, keeps its store in a SQLite file and its
artifacts in a temporary folder, and runs one worker (the machine has two cores). The seeder
calls MLflow's REST API directly, never the adapter under test, and offers the same helpers
as InMemoryRegistry (add_model, add_version) so one scenario can seed both.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
API = "/api/2.0/mlflow/"
# No job runner (eight more processes that the registry does not need) and no telemetry.
QUIET_SERVER = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "MLFLOW_DISABLE_TELEMETRY": "true"}


def mlflow_executable() -> str | None:
    """WARROOM_MLFLOW_BIN if set, else the `mlflow` beside this Python, else on the PATH."""
    chosen = os.environ.get("WARROOM_MLFLOW_BIN")
    if chosen:
        return chosen
    beside = Path(sys.executable).with_name("mlflow")
    if beside.is_file():
        return str(beside)
    return shutil.which("mlflow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class MlflowServer:
    """One `mlflow server` process: start() waits until /health answers, stop() ends it."""

    def __init__(self, executable: str, folder: Path) -> None:
        self.executable = executable
        self.folder = folder
        self.port = free_port()
        self.uri = f"http://{HOST}:{self.port}"
        self.started_in: float | None = None  # seconds from launch to the first answer
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            self.executable,
            "server",
            "--backend-store-uri",
            f"sqlite:///{self.folder / 'mlflow.db'}",
            "--default-artifact-root",
            str(self.folder / "artifacts"),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            "1",
        ]

    def start(self, timeout: float = 120.0) -> None:
        log = (self.folder / "server.log").open("wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        env.update(QUIET_SERVER)
        began = time.monotonic()
        try:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches its workers
            )
        except OSError as exc:
            raise RuntimeError(f"cannot run {self.executable}: {exc}") from None
        finally:
            log.close()
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() - began > timeout:
                self.stop()
                raise RuntimeError(f"mlflow server did not start:\n{self.log_tail()}")
            time.sleep(0.1)
        self.started_in = time.monotonic() - began

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.uri}/health", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, lines: int = 30) -> str:
        path = self.folder / "server.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class MlflowSeeder:
    """Fills a server through MLflow's REST API, as a training pipeline would."""

    def __init__(self, uri: str) -> None:
        self._http = httpx.Client(base_url=uri + API, timeout=30.0)
        self._experiment: str | None = None

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, **request: Any) -> dict[str, Any]:
        response = self._http.request(method, path, **request)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def add_model(
        self, name: str, *, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> None:
        body = {"name": name, "tags": _tags(tags), "description": description}
        self.call("POST", "registered-models/create", json=body)

    def add_version(
        self,
        name: str,
        *,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        source: str | None = None,
    ) -> int:
        body: dict[str, Any] = {
            "name": name,
            "source": source or f"s3://warroom-tests/{name}/model",
            "tags": _tags(tags),
        }
        if run_id:
            body["run_id"] = run_id
        answer = self.call("POST", "model-versions/create", json=body)
        return int(answer["model_version"]["version"])

    def add_run(self) -> str:
        """A run in the seeding experiment: the id a version's run_id refers to."""
        if self._experiment is None:
            body = {"name": f"seed-{uuid.uuid4().hex}"}
            created = self.call("POST", "experiments/create", json=body)
            self._experiment = str(created["experiment_id"])
        run = self.call("POST", "runs/create", json={"experiment_id": self._experiment})
        return str(run["run"]["info"]["run_id"])

    def set_alias(self, name: str, alias: str, version: int) -> None:
        body = {"name": name, "alias": alias, "version": str(version)}
        self.call("POST", "registered-models/alias", json=body)

    def delete_alias(self, name: str, alias: str) -> None:
        self.call("DELETE", "registered-models/alias", params={"name": name, "alias": alias})

    def aliases(self, name: str) -> dict[str, int]:
        """The model's aliases as MLflow stores them, read without the adapter."""
        model = self.call("GET", "registered-models/get", params={"name": name})
        return {a["alias"]: int(a["version"]) for a in model["registered_model"].get("aliases", [])}

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        body = {"name": name, "key": key, "value": value}
        self.call("POST", "registered-models/set-tag", json=body)

    def set_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        body = {"name": name, "version": str(version), "key": key, "value": value}
        self.call("POST", "model-versions/set-tag", json=body)


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in (tags or {}).items()]
