"""The MLflow adapter's credentials and its reading of answers MLflow itself rarely gives.

A local HTTP stub on 127.0.0.1 plays the server (or a proxy in front of it): it records each
request and answers what the test says. The real server's answers are in test_mlflow_registry.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.integrations.mlflow_registry import MlflowRegistry
from app.integrations.registry import RegistryError, RegistryNotFound, RegistryUnavailable

TOKEN = "mlflow-token-s3cr3t-0123456789"
PASSWORD = "pa55-w0rd-s3cr3t"
MODEL = {"registered_model": {"name": "fraud", "aliases": [{"alias": "champion", "version": "2"}]}}


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stub:
    uri: str
    answers: list[Answer] = field(default_factory=list)  # the last one repeats
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def answer(self, status: int = 200, body: object = None, **kind: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        self.answers.append(Answer(status, raw, **kind))


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub(uri="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer()

        def _answer(self) -> None:
            state.requests.append((self.path, dict(self.headers)))
            answer = state.answers.pop(0) if len(state.answers) > 1 else state.answers[0]
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.uri = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _authorization(stub: Stub) -> str:
    return stub.requests[-1][1].get("Authorization", "")


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_a_token_from_the_environment_is_sent_as_a_bearer(stub: Stub) -> None:
    stub.answer(body=MODEL)
    environ = {"MLFLOW_TRACKING_TOKEN": TOKEN}

    with MlflowRegistry.from_environment(stub.uri, environ) as registry:
        assert registry.model("fraud").aliases == {"champion": 2}

    assert _authorization(stub) == f"Bearer {TOKEN}"
    assert stub.requests[-1][0] == "/api/2.0/mlflow/registered-models/get?name=fraud"


def test_a_user_and_password_go_as_basic_auth_from_the_uri_or_the_environment(
    stub: Stub,
) -> None:
    stub.answer(body=MODEL)
    host = stub.uri.removeprefix("http://")

    with MlflowRegistry(f"http://warroom:{PASSWORD}@{host}/") as registry:
        registry.model("fraud")
        assert PASSWORD not in repr(registry) and registry.where == stub.uri
    assert _authorization(stub) == _basic("warroom", PASSWORD)

    environ = {
        "MLFLOW_TRACKING_USERNAME": "bot",
        "MLFLOW_TRACKING_PASSWORD": PASSWORD,
        "MLFLOW_TRACKING_TOKEN": TOKEN,  # MLflow's client prefers basic auth when both are set
    }
    with MlflowRegistry.from_environment(stub.uri, environ) as registry:
        registry.model("fraud")
    assert _authorization(stub) == _basic("bot", PASSWORD)


def test_secrets_never_reach_the_log_or_an_error_message(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    stub.answer(401, b"You are not authenticated.", content_type="text/html")

    with caplog.at_level(logging.DEBUG), MlflowRegistry(stub.uri, token=TOKEN) as registry:
        with pytest.raises(RegistryError) as raised:
            registry.model("fraud")
        logging.getLogger("warroom.test").error("failed: %s %r", raised.value, registry)

    message = str(raised.value)
    assert "refused Warroom's credentials (HTTP 401)" in message
    assert not isinstance(raised.value, (RegistryNotFound, RegistryUnavailable))
    assert caplog.records and TOKEN not in caplog.text and TOKEN not in message


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        (Answer(503, b"<html>Bad gateway</html>", "text/html"), RegistryUnavailable, "HTTP 503"),
        (Answer(500, b'{"error_code": "INTERNAL_ERROR"}'), RegistryUnavailable, "try again"),
        (Answer(429, b'{"error_code": "REQUEST_LIMIT_EXCEEDED"}'), RegistryUnavailable, "429"),
        (Answer(404, b"<html>Not Found</html>", "text/html"), RegistryError, "HTTP 404 without"),
        (Answer(302, b"", headers={"Location": "/login?next=x"}), RegistryError, "HTTP 302"),
        (Answer(200, b"<html>a login page</html>", "text/html"), RegistryError, "other than"),
        (Answer(200, b'{"registered_model": {"description": "x"}}'), RegistryError, "documents"),
        (Answer(200, b'{"registered_model": {"aliases": [1]}}'), RegistryError, "documents"),
        (
            Answer(400, b'{"error_code": "BAD_REQUEST", "message": "one\\ntwo"}'),
            RegistryError,
            "MLflow refused the request: one two",
        ),
        (
            Answer(404, b'{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no fraud"}'),
            RegistryNotFound,
            "no fraud",
        ),
    ],
)
def test_each_kind_of_answer_becomes_one_kind_of_registry_error(
    stub: Stub, answer: Answer, kind: type[RegistryError], words: str
) -> None:
    stub.answers.append(answer)

    with MlflowRegistry(stub.uri) as registry, pytest.raises(RegistryError) as raised:
        registry.model("fraud")

    assert type(raised.value) is kind or (kind is RegistryError and _only_base(raised.value))
    message = str(raised.value)
    assert words in message and "\n" not in message and "name=fraud" not in message


def _only_base(error: RegistryError) -> bool:
    return not isinstance(error, (RegistryNotFound, RegistryUnavailable))


def test_a_server_that_never_answers_is_unavailable_after_the_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        registry = MlflowRegistry(uri, timeout=0.3)
        with pytest.raises(RegistryUnavailable) as raised:
            registry.models()
        registry.close()

    assert str(raised.value) == f"MLflow at {uri} did not answer within 0.3s."


def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        uri = f"http://127.0.0.1:{closed.getsockname()[1]}"  # bound, never listening

        registry = MlflowRegistry(uri, timeout=2)
        with pytest.raises(RegistryUnavailable) as raised:
            registry.version("fraud", 1)
        registry.close()

    assert str(raised.value).startswith(f"MLflow at {uri} could not be reached (")


def test_a_server_repeating_its_page_token_does_not_loop(stub: Stub) -> None:
    page = {"registered_models": [{"name": "fraud"}], "next_page_token": "same"}
    stub.answer(body=page)

    with MlflowRegistry(stub.uri) as registry:
        assert [m.name for m in registry.models()] == ["fraud"]

    assert len(stub.requests) == 2
    assert stub.requests[1][0].endswith("page_token=same")


@pytest.mark.parametrize(
    "uri", ["", "databricks", "mlflow:5000", "ftp://mlflow:21", "http://mlflow:port", "file:///x"]
)
def test_an_address_that_is_not_an_http_server_is_refused_at_once(uri: str) -> None:
    build: Callable[[], object] = lambda: MlflowRegistry(uri)  # noqa: E731

    with pytest.raises(RegistryError, match="http:// or https:// URL"):
        build()
