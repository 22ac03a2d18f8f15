"""Every route that takes a JSON body refuses a body that is not JSON by its ``Content-Type`` with
the 415 ``unsupported_media_type`` before FastAPI validates it: it is a ``JsonRoute``
(``triage/service/api/json_body.py``), whose media-type check comes first. That is why
``triage.service.app.describe_validation`` no longer says "body: not read as JSON" (the 422 such a
body was, before the 415; removed as unreachable): a JSON route added with another route class
would be answered a bare "body: expected a JSON object, got ..." again - this fails first. Real
uvicorn on a real SQLite file for a route of each router that takes a body."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import params
from fastapi.routing import APIRoute

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.api.json_body import JsonRoute
from triage.service.auth import Role
from triage.service.metrics import route_templates


def test_every_route_taking_json_is_a_json_route(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    taking_json = [
        (route, path)
        for route, path in route_templates(app.routes)
        if isinstance(route, APIRoute)
        and route.body_field is not None
        and not isinstance(route.body_field.field_info, params.Form)
    ]
    assert len(taking_json) >= 10, taking_json  # (the API's writes: patients, assessments, users ...)
    other = [
        f"{sorted(route.methods)} {path}" for route, path in taking_json if not isinstance(route, JsonRoute)
    ]
    assert other == [], f"routes taking JSON that are no JsonRoute (no 415 first): {other}"


def test_a_plain_text_body_is_the_415_on_each_kind_of_write(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    writes = [
        ("/api/v1/patients", Role.nurse),
        ("/api/v1/assessments", Role.nurse),
        ("/api/v1/users", Role.admin),
    ]
    with live_server(create_app(make_settings(tmp_path))) as base:
        for path, role in writes:
            answer = httpx.post(
                f"{base}{path}",
                content=b'{"mrn": "CT-1"}',
                headers={"Authorization": f"Bearer {tokens[role]}", "Content-Type": "text/plain"},
                timeout=HTTP_TIMEOUT_S,
            )
            assert answer.status_code == 415, (path, answer.text)
            assert answer.json()["fields"] == ["header.Content-Type"], answer.text
            assert "not read as JSON" not in answer.text
