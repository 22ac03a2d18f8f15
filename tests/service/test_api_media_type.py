"""A body that is not JSON by its ``Content-Type`` - ``text/plain``, a form (``curl -d`` sends
``application/x-www-form-urlencoded`` unless told otherwise), multipart, or no ``Content-Type`` at
all - sent to a route that takes JSON is a 415 ``unsupported_media_type`` naming
``header.Content-Type``, with ``Accept: application/json`` saying what is taken (RFC 9110 15.5.16),
nothing stored. It was a 422 ``invalid_input`` ("body: not read as JSON"), the status of JSON whose
values are wrong, so a client could not tell a wrong request header from a wrong field. JSON that is
wrong stays a 422. Real uvicorn on a real SQLite file; every answer checked against /openapi.json.
The module's tests share one service (:func:`served`)."""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from tests.service.served import Served
from tests.service.test_api_analyst_view import Sync
from triage.service import create_app
from triage.service.auth import Role


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Served]:
    """tests/service/served.py's service, once for the module (each test started its own: a copy of
    the seeded log, create_app, uvicorn and the /openapi.json its client checks answers against).
    The tests do not interfere: each stores under record numbers of its own (CT-, CE-) and says
    "nothing stored" by what it counts before and after its own requests."""
    tokens = copy_seeded(seeded, folder := tmp_path_factory.mktemp("media_type"))
    app = create_app(make_settings(folder))
    with live_server(app) as base:
        shared = Served(app, Sync(base, tokens), tokens)
        with contextlib.closing(shared.sync.client):
            yield shared


def _stored(served: Served) -> list[int]:
    db = served.app.state.runtime.databases.get()
    return [db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("patients", "audit")]


def _send(served: Served, path: str, role: Role | None, **request: Any) -> httpx.Response:
    headers = {} if role is None else served.headers(role)
    answer = served.sync.client.post(path, headers=headers | request.pop("headers", {}), **request)
    conforms(served.sync.document, answer)
    return answer


def test_a_body_that_is_not_json_by_its_content_type_is_415_with_the_types_taken(
    served: Served,
) -> None:
    before = _stored(served)
    text = json.dumps({"mrn": "CT-1"}).encode()
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/api/v1/patients", {"content": text, "headers": {"Content-Type": "text/plain"}}, "text/plain"),
        (
            "/api/v1/assessments",
            {"data": {"patient": "CT-2", "age_years": "70"}},
            "application/x-www-form-urlencoded",
        ),
        ("/api/v1/patients", {"files": {"mrn": ("mrn.txt", b"CT-3")}}, "multipart/form-data"),
        (
            "/api/v1/encounters/1/observations",
            {"content": b"[]", "headers": {"Content-Type": "text/csv"}},
            "text/csv",
        ),
    ]
    for path, request, said in cases:
        answer = _send(served, path, Role.nurse, **request)
        assert answer.status_code == 415, (path, answer.text)
        body = answer.json()
        assert body["code"] == "unsupported_media_type" and body["status"] == 415, body
        assert body["fields"] == ["header.Content-Type"], body
        assert body["error"].startswith(f"header.Content-Type: {said} is not JSON;"), body
        assert "Content-Type: application/json" in body["error"], body
        assert answer.headers["Accept"] == "application/json", answer.headers

    # no Content-Type at all (Python's requests with data=str, a bare socket): said as such
    bare = served.sync.client.build_request(
        "POST", "/api/v1/patients", content=text, headers=served.headers(Role.nurse)
    )
    assert "Content-Type" not in bare.headers
    answer = served.sync.client.send(bare)
    conforms(served.sync.document, answer)
    assert answer.status_code == 415 and answer.json()["code"] == "unsupported_media_type", answer.text
    assert answer.json()["error"].startswith("header.Content-Type: none was sent;"), answer.text
    assert _stored(served) == before, "nothing stored"


def test_json_that_is_wrong_stays_422_and_json_types_are_taken(served: Served) -> None:
    nurse = Role.nurse
    broken = _send(
        served, "/api/v1/patients", nurse, content=b'{"mrn": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_input", broken.text
    wrong = _send(served, "/api/v1/assessments", nurse, json={**WALK_IN, "age_years": "70"})
    assert wrong.status_code == 422 and wrong.json()["fields"] == ["age_years"], wrong.text
    for content_type, mrn in (
        ("application/json; charset=utf-8", "CT-10"),
        ("application/merge-patch+json", "CT-11"),
    ):
        made = _send(
            served,
            "/api/v1/patients",
            nurse,
            content=json.dumps({"mrn": mrn}).encode(),
            headers={"Content-Type": content_type},
        )
        assert made.status_code == 201, (content_type, made.text)
    # a POST that takes no body may carry a stray Content-Type without one
    listed = served.sync.client.get(
        "/api/v1/patients", headers=served.headers(nurse) | {"Content-Type": "text/plain"}
    )
    assert listed.status_code == 200, listed.text


def test_who_may_ask_is_answered_before_the_media_type(served: Served) -> None:
    plain = {"content": b"mrn=CT-20", "headers": {"Content-Type": "text/plain"}}
    assert _send(served, "/api/v1/patients", None, **dict(plain)).status_code == 401
    assert _send(served, "/api/v1/patients", Role.analyst, **dict(plain)).status_code == 403


def test_the_document_declares_the_415_and_its_accept_header(served: Served) -> None:
    document = served.sync.document
    bodies = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            bodies += 1
            refused = operation["responses"].get("415")
            assert refused is not None, (method, path)
            assert "unsupported_media_type" in refused["description"], (method, path)
            assert refused["headers"]["Accept"]["schema"] == {"type": "string"}, (method, path)
            assert list(operation["requestBody"]["content"]) == ["application/json"], (method, path)
    assert bodies > 10


def test_a_compressed_body_is_415_with_the_codings_taken(served: Served) -> None:
    """``Content-Encoding: gzip`` (an EHR gateway compressing its requests) was read as the JSON's
    own bytes: a 400 "body: not UTF-8 (byte 0x8b at offset 1)", which sent the integrator looking
    at the charset; a coding the service does not undo whose bytes read as JSON would be stored.
    Now a 415 ``unsupported_content_encoding`` naming ``header.Content-Encoding``, with
    ``Accept-Encoding: identity`` (RFC 9110 15.5.16, 12.5.3), nothing stored."""
    before = _stored(served)
    plain = json.dumps({"mrn": "CE-1"}).encode()
    for coding, body in (("gzip", gzip.compress(plain)), ("br", plain), ("gzip, identity", plain)):
        answer = _send(
            served,
            "/api/v1/patients",
            Role.nurse,
            content=body,
            headers={"Content-Type": "application/json", "Content-Encoding": coding},
        )
        assert answer.status_code == 415, (coding, answer.text)
        refused = answer.json()
        assert refused["code"] == "unsupported_content_encoding", refused
        assert refused["fields"] == ["header.Content-Encoding"], refused
        assert refused["error"].startswith(f"header.Content-Encoding: {coding} is not undone here;"), refused
        assert answer.headers["Accept-Encoding"] == "identity", answer.headers
    assert _stored(served) == before, "nothing stored"
    made = _send(
        served,
        "/api/v1/patients",
        Role.nurse,
        content=plain,
        headers={"Content-Type": "application/json", "Content-Encoding": "identity"},
    )
    assert made.status_code == 201, made.text
    document = served.sync.document["paths"]["/api/v1/patients"]["post"]["responses"]["415"]
    assert "unsupported_content_encoding" in document["description"]
    assert "Accept-Encoding" in document["headers"], document
