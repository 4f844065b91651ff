"""The model registry on an MLflow tracking server, through MLflow's documented REST API.

A small sync HTTP client (httpx) calls the 2.0 endpoints under /api/2.0/mlflow/; the mlflow
package itself would bring hundreds of megabytes of dependencies for six requests. Every call
blocks: the services run it in a worker thread, never on the event loop.

MLflow's answers, as checked against a real server (MLflow 3.17), and what is done about them:
- versions are strings and timestamps epoch milliseconds: converted to int and aware UTC;
- model-versions/search leaves out each version's aliases (model-versions/get has them), so
  versions() takes them from the registered model;
- an alias that is not set answers 400 INVALID_PARAMETER_VALUE, not 404; "latest" of a model
  with no versions answers 404: both mean "no version" once the model is known to exist;
- a search filter has no escape character: a name with a quote is quoted with the other kind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from app.integrations.registry import (
    ModelVersion,
    RegisteredModel,
    RegistryError,
    RegistryNotFound,
    RegistryUnavailable,
)

_API = "api/2.0/mlflow/"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MESSAGE_LIMIT = 300
_URL = re.compile(r"\S+://\S+")


class _Refused(RegistryError):
    """MLflow turned the request down with an error code of its own (not a missing thing)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class MlflowRegistry:
    """ModelRegistry over HTTP. Credentials: `token` (bearer), or a user name and password
    (basic auth) given here or as the URI's userinfo; basic wins when both, as in MLflow."""

    def __init__(
        self,
        base_uri: str,
        *,
        timeout: float = 10.0,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        page_size: int = 100,
    ) -> None:
        self.where, uri_user, uri_password = _split_uri(base_uri)
        user, secret = (username, password) if username else (uri_user, uri_password)
        auth = httpx.BasicAuth(user, secret or "") if user else None
        bearer = {"Authorization": f"Bearer {token}"} if token and not user else {}
        self._timeout = timeout
        self._page_size = page_size
        self._http = httpx.Client(
            base_url=f"{self.where}/{_API}",
            auth=auth,
            headers={"User-Agent": "warroom", **bearer},
            timeout=timeout,
        )

    @classmethod
    def from_environment(
        cls, base_uri: str, environ: Mapping[str, str] = os.environ, **options: Any
    ) -> MlflowRegistry:
        """Credentials where MLflow's own client reads them: MLFLOW_TRACKING_TOKEN, or
        MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD."""
        return cls(
            base_uri,
            token=environ.get("MLFLOW_TRACKING_TOKEN") or None,
            username=environ.get("MLFLOW_TRACKING_USERNAME") or None,
            password=environ.get("MLFLOW_TRACKING_PASSWORD") or None,
            **options,
        )

    def __repr__(self) -> str:
        return f"MlflowRegistry({self.where!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MlflowRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The ModelRegistry protocol

    def model(self, name: str) -> RegisteredModel:
        body = self._call("GET", "registered-models/get", params={"name": name})
        return _registered_model(_field(body, "registered_model"))

    def models(self) -> list[RegisteredModel]:
        found: dict[str, RegisteredModel] = {}
        query = {"order_by": "name ASC"}
        for raw in self._pages("registered-models/search", "registered_models", query):
            model = _registered_model(raw)
            found[model.name] = model  # offset paging can repeat one if a model is added
        return [found[name] for name in sorted(found)]

    def versions(self, name: str) -> list[ModelVersion]:
        held = _aliases_by_version(self.model(name).aliases)  # and RegistryNotFound if none
        found: dict[int, ModelVersion] = {}
        query = {"filter": _name_filter(name)}
        for raw in self._pages("model-versions/search", "model_versions", query):
            if raw.get("name") == name:  # a LIKE filter can match other names too
                version = _model_version(raw)
                found[version.version] = replace(version, aliases=held.get(version.version, ()))
        return [found[number] for number in sorted(found)]

    def version(self, name: str, version: int) -> ModelVersion:
        query = {"name": name, "version": str(version)}
        body = self._call("GET", "model-versions/get", params=query)
        return _model_version(_field(body, "model_version"))

    def version_by_alias(self, name: str, alias: str) -> ModelVersion | None:
        query = {"name": name, "alias": alias}
        try:
            body = self._call("GET", "registered-models/alias", params=query)
        except (RegistryNotFound, _Refused) as refused:
            if isinstance(refused, _Refused) and refused.code != "INVALID_PARAMETER_VALUE":
                raise
            if alias in self.model(name).aliases:  # the model exists: was it really unset?
                raise
            return None
        return _model_version(_field(body, "model_version"))

    def set_alias(self, name: str, alias: str, version: int) -> None:
        body = {"name": name, "alias": alias, "version": str(version)}
        self._call("POST", "registered-models/alias", json=body)

    # HTTP

    def _pages(self, path: str, key: str, query: dict[str, str]) -> Iterator[dict[str, Any]]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = {**query, "max_results": str(self._page_size)}
            if token:
                page["page_token"] = token
            body = self._call("GET", path, params=page)
            yield from _items(body, key)
            token = body.get("next_page_token") or None
            if token is None or token in seen:  # a server repeating a token must not loop
                return
            seen.add(token)

    def _call(self, method: str, path: str, **request: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **request)
        except httpx.TimeoutException:
            raise RegistryUnavailable(
                f"MLflow at {self.where} did not answer within {self._timeout:g}s."
            ) from None
        except httpx.TransportError as exc:
            raise RegistryUnavailable(
                f"MLflow at {self.where} could not be reached ({_reason(exc)})."
            ) from None
        except httpx.HTTPError as exc:
            raise RegistryError(f"MLflow at {self.where}: {_reason(exc)}.") from None
        if not response.is_success:
            raise _error(response, self.where)
        return _json(response, self.where)


def _split_uri(base_uri: str) -> tuple[str, str | None, str | None]:
    """The address to show and call (no userinfo, query or fragment), and the userinfo."""
    bad = RegistryError(
        "The MLflow address must be the tracking server's http:// or https:// URL, "
        "e.g. http://mlflow.internal:5000."
    )
    try:
        parts = urlsplit(base_uri.strip())
        port_ok = parts.port is None or parts.port > 0  # .port raises on a non-number
    except ValueError:
        raise bad from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise bad
    host = parts.netloc.rpartition("@")[2]
    where = urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return where, user, password


def _error(response: httpx.Response, where: str) -> RegistryError:
    status = response.status_code
    code, message = _mlflow_error(response)
    if status >= 500 or status == 429:
        return RegistryUnavailable(
            f"MLflow at {where} is not answering properly (HTTP {status}); try again later."
        )
    if code == "RESOURCE_DOES_NOT_EXIST":
        return RegistryNotFound(message or "MLflow has no such model, version or alias.")
    if status in (401, 403):
        return RegistryError(
            f"MLflow at {where} refused Warroom's credentials (HTTP {status}): check "
            "MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD."
        )
    if code:
        return _Refused(f"MLflow refused the request: {message or code}", code)
    # Not MLflow's own answer (a proxy, a redirect, another service): the address is wrong,
    # which must not read as "no such model".
    return RegistryError(
        f"MLflow at {where} answered HTTP {status} without an MLflow error: "
        "is that the tracking server's address?"
    )


def _mlflow_error(response: httpx.Response) -> tuple[str, str]:
    """(error_code, one-line message) from MLflow's JSON error body, or ("", "")."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict) or not isinstance(body.get("error_code"), str):
        return "", ""
    return body["error_code"], _one_line(str(body.get("message") or ""))


def _json(response: httpx.Response, where: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise RegistryError(
            f"MLflow at {where} answered with something other than MLflow's JSON: "
            "is that the tracking server's address?"
        )
    return body


def _reason(exc: Exception) -> str:
    return _URL.sub("…", _one_line(str(exc))) or type(exc).__name__


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"


def _name_filter(name: str) -> str:
    """A search filter for one model name. The grammar has no escapes: quote with the kind
    the name lacks, else LIKE with '_' standing for each quote (callers keep exact matches)."""
    if "'" not in name:
        return f"name = '{name}'"
    if '"' not in name:
        return f'name = "{name}"'
    return "name LIKE '" + re.sub("['\"]", "_", name) + "'"


# MLflow's JSON into the registry's values


@contextmanager
def _shape() -> Iterator[None]:
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError):
        raise RegistryError("MLflow's answer was not in the shape its API documents.") from None


def _field(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise RegistryError(f"MLflow's answer had no {key}.")
    return value


def _items(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = body.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RegistryError(f"MLflow's answer had no list of {key}.")
    return items


def _registered_model(raw: Mapping[str, Any]) -> RegisteredModel:
    with _shape():
        aliases = {str(a["alias"]): int(a["version"]) for a in raw.get("aliases") or []}
        return RegisteredModel(
            name=str(raw["name"]),
            aliases=dict(sorted(aliases.items())),
            tags=_tags(raw.get("tags")),
            description=str(raw.get("description") or ""),
        )


def _model_version(raw: Mapping[str, Any]) -> ModelVersion:
    with _shape():
        return ModelVersion(
            name=str(raw["name"]),
            version=int(raw["version"]),
            run_id=str(raw.get("run_id") or "") or None,  # MLflow sends "" for no run
            created_at=_instant(raw.get("creation_timestamp")),
            aliases=tuple(sorted(str(alias) for alias in raw.get("aliases") or [])),
            tags=_tags(raw.get("tags")),
            source=str(raw.get("source") or ""),
            status=str(raw.get("status") or "READY"),
        )


def _tags(raw: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    # MLflow leaves out a tag's value when it is empty.
    return {str(tag["key"]): str(tag.get("value") or "") for tag in raw or []}


def _instant(milliseconds: int | str | None) -> datetime | None:
    if milliseconds is None:
        return None
    return _EPOCH + timedelta(milliseconds=int(milliseconds))


def _aliases_by_version(aliases: Mapping[str, int]) -> dict[int, tuple[str, ...]]:
    held: dict[int, list[str]] = {}
    for alias, version in aliases.items():
        held.setdefault(version, []).append(alias)
    return {version: tuple(sorted(names)) for version, names in held.items()}
