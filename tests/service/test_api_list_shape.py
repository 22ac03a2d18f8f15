"""Every list of the API has one paging shape, found by walking the app's routes (not a list of
paths kept by hand): a list added later without it fails here.

The shape: ``X-Total-Count`` (and ``Link`` rel="next" when the list is cut by ``limit``) on every
list, declared in the OpenAPI document and answered; an object answer carries ``data``, ``total``
and ``next``. The bare JSON arrays ``/api/v1`` answered before paging existed are the frozen set
``BARE``: a new list is an object."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role

#: The lists answered as bare arrays since before paging (kept for their clients; docs/service.md).
BARE = {
    "/api/v1/referrals",
    "/api/v1/queue",
    "/api/v1/facilities",
    "/api/v1/devices",
    "/api/v1/users",
    "/api/v1/patients/{patient_id}/corrections",
}
#: The lists whose answer is cut by ``limit`` (they declare ``Link``); the others are never cut.
CURSORS = {"before_id", "offset", "after"}


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return schema if ref is None else dict(document["components"]["schemas"][ref.rsplit("/", 1)[-1]])


def _lists(staff: Staff) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Every GET route under /api/v1 whose 200 answer is a list: path -> (operation, body schema)."""
    document = staff.client.get("/openapi.json").json()
    found = {}
    for context in iter_route_contexts(staff.app.routes):
        if not isinstance(context.route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        if not context.path.startswith("/api/v1/"):
            continue
        operation = document["paths"][context.path]["get"]
        schema = _schema(document, operation["responses"]["200"]["content"]["application/json"]["schema"])
        if (
            schema.get("type") == "array"
            or schema.get("properties", {}).get("data", {}).get("type") == "array"
        ):
            found[context.path] = (operation, schema)
    return found


def test_the_walk_finds_the_lists(staff: Staff) -> None:
    # (so that the tests below cannot pass by finding nothing)
    found = set(_lists(staff))
    assert found >= BARE and {"/api/v1/patients", "/api/v1/devices/held"} <= found, found


def test_every_list_declares_one_paging_shape(staff: Staff) -> None:
    problems = []
    for path, (operation, schema) in _lists(staff).items():
        headers = set(operation["responses"]["200"].get("headers", {}))
        parameters = {p["name"] for p in operation.get("parameters", [])}
        if "X-Total-Count" not in headers:
            problems.append(f"{path}: no X-Total-Count declared")
        if "limit" in parameters and ("Link" not in headers or not parameters & CURSORS):
            problems.append(f"{path}: cut by limit without a Link header or a cursor")
        if schema.get("type") == "array":
            if path not in BARE:
                problems.append(f"{path}: a new list answers a bare array; answer data, total, next")
            continue
        missing = {"data", "total", "next"} - set(schema["properties"])
        if missing or not {"data", "total", "next"} <= set(schema.get("required", [])):
            problems.append(f"{path}: the object lacks (or does not require) {sorted(missing) or 'them'}")
    assert problems == []


@pytest.fixture
def filled(staff: Staff) -> dict[str, str]:
    """A walk-in, so that the lists have rows and the path parameters a real id."""
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.clinician))
    assert made.status_code == 201, made.text
    newest = staff.client.get("/api/v1/patients?limit=1", headers=staff.bearer(Role.admin)).json()
    return {"patient_id": str(newest["data"][0]["id"])}


def test_every_list_answers_the_shape_it_declares(staff: Staff, filled: dict[str, str]) -> None:
    for path, (operation, schema) in _lists(staff).items():
        parameters = {p["name"] for p in operation.get("parameters", [])}
        url = path.format(**filled) + ("?limit=1" if "limit" in parameters else "")
        answer = staff.client.get(url, headers=staff.bearer(Role.admin))
        assert answer.status_code == 200, (url, answer.text)
        body = answer.json()
        total = int(answer.headers["X-Total-Count"])
        following = answer.links.get("next", {}).get("url")
        if schema.get("type") == "array":
            assert isinstance(body, list) and len(body) <= total, url
            continue
        assert isinstance(body["data"], list) and body["total"] == total, (url, body)
        assert body["next"] == following, (url, body["next"], following)
