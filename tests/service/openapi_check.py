"""Check a real answer against what ``/openapi.json`` declares for it: the status is listed for the
operation, and the JSON body validates against the declared schema (JSON Schema 2020-12, as
OpenAPI 3.1 writes it; ``jsonschema_rs``). A client generated from the document reads what it says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role


def template(document: dict[str, Any], method: str, path: str) -> str:
    """The document's path (``/api/v1/patients/{patient_id}``) that ``method`` on ``path`` is."""
    for declared, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(declared)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return str(declared)
    raise AssertionError(f"{method} {path} is not in the document")


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][template(document, method, path)][method.lower()]
    return found


def conforms(document: dict[str, Any], response: httpx.Response) -> None:
    """``response`` is one the document declares: its status listed, its JSON body of that schema."""
    request = response.request
    operation = _operation(document, request.method, request.url.path)
    declared = operation["responses"]
    status = str(response.status_code)
    assert status in declared, (request.method, request.url.path, status, sorted(declared))
    schema = declared[status].get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    validator = jsonschema_rs.validator_for({**schema, "components": document["components"]})
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(response.json())]
    assert errors == [], (request.method, request.url.path, status, errors[:5])


@contextmanager
def live_api(
    folder: Path, seeded: tuple[Path, dict[Role, str]], role: Role
) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """The seeded service on real uvicorn in ``folder``: a client sending ``role``'s token, and the
    service's OpenAPI document to check its answers against (:func:`conforms`)."""
    tokens = copy_seeded(seeded, folder)
    auth = {"Authorization": f"Bearer {tokens[role]}"}
    with (
        live_server(create_app(make_settings(folder))) as base,
        httpx.Client(base_url=base, headers=auth, timeout=HTTP_TIMEOUT_S) as client,
    ):
        yield client, client.get("/openapi.json").json()
