"""Request IDs: an integrator whose request failed in the service (500 ``internal_error``: "the
service's log says what failed") had nothing to tell the clinic's administrator that found that
request's lines in the log - no answer carried an id, and the log's lines named none. Now every
answer carries ``X-Request-ID`` (the client's own when it sent a usable one, so an EHR's log and the
service's share it; else one the service makes), a 500 names it in its message and
``context.request_id``, and the service's log line about the failed request names it. Real uvicorn
on a real SQLite file; the fault is a route that raises, as ``tests/service/test_api_fault.py``. An API
fault's line is written after its 500 is sent: the test waits for it (``tests/service/logged.py``)
before the server stops - the records were read once the server's thread was joined, for at most
10 s, so a slow stop left them unwritten. (A page's fault is logged before Starlette's 500.)"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server
from tests.service.logged import awaited
from tests.service.test_api_fault import _faulty
from triage.service.auth import Role

MADE = re.compile(r"[0-9a-f]{16}")
APP = "http://dashboard.clinic.test:3000"


def test_every_answer_carries_a_request_id_the_clients_own_when_usable(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    with (
        live_server(_faulty(tmp_path, cors_origins=[APP])) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        made = [
            client.get("/api/v1/queue", headers=nurse),
            client.get("/api/v1/queue"),  # 401
            client.get("/api/v1/nothing", headers=nurse),  # 404 before any route
            client.get("/healthz"),
            client.get("/login"),  # a page
        ]
        ids = [answer.headers.get("X-Request-ID", "") for answer in made]
        assert all(MADE.fullmatch(given) for given in ids), ids
        assert len(set(ids)) == len(ids), "one id per request"

        own = client.get("/api/v1/queue", headers=nurse | {"X-Request-ID": "ehr-2026-12-06.0001"})
        assert own.headers["X-Request-ID"] == "ehr-2026-12-06.0001"
        for unusable in ("a b", "x" * 129, "", "id;drop", "ключ"):
            answer = client.get("/api/v1/queue", headers={**nurse, "X-Request-ID": unusable.encode()})
            assert MADE.fullmatch(answer.headers["X-Request-ID"]), (unusable, answer.headers)

        browser = client.get("/api/v1/queue", headers=nurse | {"Origin": APP})
        exposed = {h.strip().lower() for h in browser.headers["access-control-expose-headers"].split(",")}
        assert "x-request-id" in exposed, exposed
        preflight = client.options(
            "/api/v1/queue",
            headers={
                "Origin": APP,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization, x-request-id",
            },
        )
        assert preflight.status_code == 200, preflight.text


def test_a_fault_names_its_request_id_in_the_answer_and_the_log(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], caplog: pytest.LogCaptureFixture
) -> None:
    copy_seeded(seeded, tmp_path)
    with (
        caplog.at_level(logging.ERROR),
        awaited("triage.service") as logged,
        live_server(_faulty(tmp_path)) as base,
    ):
        answer = httpx.get(f"{base}/api/v1/fault", headers={"X-Request-ID": "ehr-77"}, timeout=HTTP_TIMEOUT_S)
        made = httpx.get(f"{base}/api/v1/fault", timeout=HTTP_TIMEOUT_S)
        for request_id in ("ehr-77", made.headers["X-Request-ID"]):  # each line written after its 500
            logged.wait_for(lambda record, rid=request_id: f"request {rid}:" in record.getMessage())
    assert answer.status_code == 500 and answer.headers["X-Request-ID"] == "ehr-77", answer.headers
    body = answer.json()
    assert body["context"] == {"request_id": "ehr-77"}, body
    assert body["error"] == (
        "internal error: GET /api/v1/fault failed in the service, not because of the request; the"
        " service's log says what failed, under request ehr-77"
    ), body
    assert made.json()["context"]["request_id"] == made.headers["X-Request-ID"]
    lines = [record.getMessage() for record in caplog.records if record.name == "triage.service"]
    for request_id in ("ehr-77", made.headers["X-Request-ID"]):
        said = [line for line in lines if f"request {request_id}:" in line]
        assert said == [f"request {request_id}: GET /api/v1/fault failed: RuntimeError (traceback below)"], (
            lines
        )


def test_a_fault_on_a_page_is_named_in_the_log_too(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], caplog: pytest.LogCaptureFixture
) -> None:
    """A page's fault is answered by Starlette's own 500 (text), outside the service's middleware:
    the log's line before its traceback names the request all the same."""
    copy_seeded(seeded, tmp_path)
    app = _faulty(tmp_path)

    @app.get("/fault-page")
    def fault_page() -> None:
        raise ValueError("a bug in a page")

    with caplog.at_level(logging.ERROR), live_server(app) as base:
        answer = httpx.get(
            f"{base}/fault-page", headers={"X-Request-ID": "ehr-page-1"}, timeout=HTTP_TIMEOUT_S
        )
    assert answer.status_code == 500
    lines = [record.getMessage() for record in caplog.records if record.name == "triage.service"]
    assert "request ehr-page-1: GET /fault-page failed: ValueError (traceback below)" in lines, lines
