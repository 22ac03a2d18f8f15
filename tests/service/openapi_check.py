"""Check a real answer against what ``/openapi.json`` declares for it: the status is listed for the
operation, and the JSON body validates against the declared schema (JSON Schema 2020-12, as
OpenAPI 3.1 writes it; ``jsonschema_rs``). A client generated from the document reads what it says."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            found: dict[str, Any] = operations[method.lower()]
            return found
    raise AssertionError(f"{method} {path} is not in the document")


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
