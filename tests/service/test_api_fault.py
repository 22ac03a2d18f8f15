"""A fault in the service (an exception no handler answers) on an API path: the browser app of an
allowed origin reads the 500 - Starlette's outermost error handler answered it without CORS headers,
so the browser reported a CORS failure and the app never saw the status - and every client gets it
in the API's one error shape (it was ``text/plain`` "Internal Server Error"). A real uvicorn server,
the app built as ``triage serve`` builds it, with one route that raises."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.api.json_body import JsonRoute
from triage.service.auth import Role

APP = "http://dashboard.clinic.test:3000"


def _faulty(tmp_path: Path, **service: object) -> FastAPI:
    app = create_app(make_settings(tmp_path, **service))
    router = APIRouter(route_class=JsonRoute)

    @router.get("/fault")
    def fault() -> None:
        raise RuntimeError("a bug in the service")

    app.include_router(router, prefix="/api/v1")
    return app


def test_an_allowed_origin_reads_a_500_in_the_error_shape(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    copy_seeded(seeded, tmp_path)
    with live_server(_faulty(tmp_path, cors_origins=[APP])) as base:
        answer = httpx.get(f"{base}/api/v1/fault", headers={"Origin": APP}, timeout=HTTP_TIMEOUT_S)
        assert answer.status_code == 500, answer.text
        assert answer.headers["access-control-allow-origin"] == APP, answer.headers
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["cache-control"] == "no-store" and answer.headers["x-frame-options"] == "DENY"
        request_id = answer.headers["X-Request-ID"]  # (test_api_request_id)
        assert answer.json() == {
            "ok": False,
            "error": "internal error: GET /api/v1/fault failed in the service, not because of the"
            f" request; the service's log says what failed, under request {request_id}",
            "code": "internal_error",
            "status": 500,
            "context": {"request_id": request_id},
        }
        stranger = httpx.get(
            f"{base}/api/v1/fault", headers={"Origin": "http://elsewhere.test"}, timeout=HTTP_TIMEOUT_S
        )
        assert stranger.status_code == 500 and "access-control-allow-origin" not in stranger.headers


def test_without_cors_a_500_is_in_the_error_shape_too(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    copy_seeded(seeded, tmp_path)
    with live_server(_faulty(tmp_path)) as base:
        answer = httpx.get(f"{base}/api/v1/fault", timeout=HTTP_TIMEOUT_S)
        assert answer.status_code == 500 and answer.json()["code"] == "internal_error", answer.text
        assert "access-control-allow-origin" not in answer.headers


def test_the_fault_is_answered_and_logged_not_raised_to_the_server(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """Raised again, the server closed the client's connection (test_api_fault_keeps_connection);
    the service logs it with its traceback itself."""
    copy_seeded(seeded, tmp_path)
    with TestClient(_faulty(tmp_path)) as client:
        answer = client.get("/api/v1/fault")
    assert answer.status_code == 500 and answer.json()["code"] == "internal_error", answer.text
