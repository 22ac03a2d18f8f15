"""The API's answer to a request under a name the service was not told (400 ``host_not_allowed``,
``triage/service/hosts.py``) is in the API's one error shape like any other refused input: its
message names the header as the others do (``header.Host: "..." is not ...``) and ``fields`` says
``header.Host`` - it said ``Host "...": not ...`` and named no field, so a client that shows a refused
input by ``fields`` showed none. It carries the request's ``X-Request-ID`` (the client's own when
usable), and the service log's line about the name refused names that request, as a failed
request's line does - it named none. Real uvicorn on a real SQLite file, the log captured; the
body checked against the OpenAPI document's error schema."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app


def test_a_refused_host_is_said_in_the_apis_error_shape_naming_header_host(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), live_server(create_app(make_settings(tmp_path))) as base:
        document = httpx.get(f"{base}/openapi.json", timeout=HTTP_TIMEOUT_S).json()
        refused = httpx.get(
            f"{base}/api/v1/queue",
            headers={"Host": "rebind.example:8000", "X-Request-ID": "ehr-2026.41"},
            timeout=HTTP_TIMEOUT_S,
        )
        again = httpx.get(
            f"{base}/api/v1/queue", headers={"Host": "rebind.example:8000"}, timeout=HTTP_TIMEOUT_S
        )
        page = httpx.get(f"{base}/login", headers={"Host": "other.example"}, timeout=HTTP_TIMEOUT_S)
    body = refused.json()
    assert refused.status_code == 400 and body["code"] == "host_not_allowed", body
    assert body["fields"] == ["header.Host"], body
    assert body["error"].startswith(
        'header.Host: "rebind.example:8000" is not a name of this service. Either a page of another web'
        " site reached the service under that site's name (DNS rebinding)"
    ), body
    assert 'allowed_hosts = ["rebind.example"]' in body["error"], body
    conforms(document, refused)
    assert refused.headers["X-Request-ID"] == "ehr-2026.41", refused.headers
    assert again.headers["X-Request-ID"] != "ehr-2026.41" and again.json()["fields"] == ["header.Host"]
    # a page's refusal stays plain text for a person, with its request id too
    assert page.status_code == 400 and page.text.startswith('Host "other.example": not a name'), page.text
    assert page.headers["X-Request-ID"], page.headers
    lines = [r.getMessage() for r in caplog.records if r.name == "triage.service.hosts"]
    said = [line for line in lines if "rebind.example" in line]
    assert len(said) == 1, lines  # once per name: the first request refused under it
    assert said[0].startswith(
        'request ehr-2026.41: refused GET /api/v1/queue: Host "rebind.example:8000": not a name of'
    ), said
    assert next(line for line in lines if "other.example" in line).startswith(
        f"request {page.headers['X-Request-ID']}: refused GET /login: "
    ), lines
