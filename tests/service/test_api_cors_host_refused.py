"""A browser app of an allowed origin (``service.cors_origins``) that calls the API under a name the
service was not told (a reverse proxy's public name missing from ``service.allowed_hosts``) reads the
400 ``host_not_allowed`` and what it says to do: the Host check answered outside the CORS
middleware, so its answer - the preflight's too - carried no ``Access-Control-Allow-Origin`` and
the browser gave the app a bare network error ("Failed to fetch") instead of the JSON error naming
the setting to change. The preflight carries no data and is answered as CORS says; the request
itself is still refused, and an origin not named still gets no CORS headers. Real uvicorn, real
SQLite, and a real Chromium resolving the two names to the loopback server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.chromium import Driver, close_tab
from tests.service.conftest import copy_seeded, live_server, make_settings
from tests.service.test_security_cross_origin import chromium_resolving
from triage.service import create_app
from triage.service.auth import Role

APP = "http://dashboard.clinic.test:3000"
UNLISTED = "triage.clinic.test"  # the name the app calls the service by, not in allowed_hosts
TIMEOUT_S = 60.0


def test_a_refused_host_answers_an_allowed_origin_with_its_cors_headers(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path, cors_origins=[APP]))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=TIMEOUT_S) as client:
        host = {"Host": f"{UNLISTED}:8000"}
        preflight = client.options(
            "/api/v1/queue",
            headers=host
            | {
                "Origin": APP,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        auth = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
        refused = client.get("/api/v1/queue", headers=host | auth | {"Origin": APP})
        stranger = client.get("/api/v1/queue", headers=host | auth | {"Origin": "http://elsewhere.test"})
        own = client.get("/api/v1/queue", headers=auth | {"Origin": APP})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == APP, preflight.headers
    assert refused.status_code == 400 and refused.json()["code"] == "host_not_allowed", refused.text
    assert refused.json()["fields"] == ["header.Host"], refused.text
    assert refused.headers["access-control-allow-origin"] == APP, refused.headers
    exposed = {h.strip().lower() for h in refused.headers["access-control-expose-headers"].split(",")}
    assert "x-request-id" in exposed and refused.headers["x-request-id"], refused.headers
    assert stranger.status_code == 400 and "access-control-allow-origin" not in stranger.headers
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == APP, own.headers


@pytest.fixture(scope="module")
def clinic_chromium(playwright_driver: Driver) -> Iterator[Any]:
    """Chromium for which the dashboard's name and the service's unlisted name are the loopback
    address."""
    yield from chromium_resolving(
        playwright_driver, f"MAP dashboard.clinic.test 127.0.0.1, MAP {UNLISTED} 127.0.0.1"
    )


class _Dashboard(BaseHTTPRequestHandler):
    """The dashboard's page, from a loopback server of its own (its own origin; a page the browser
    got from no server, or from a public address, may not call a loopback one at all)."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>dashboard</title><p>dashboard</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # (quiet)
        pass


@contextmanager
def dashboard_origin() -> Iterator[str]:
    """The dashboard served on loopback; yields its origin under its own name."""
    server = HTTPServer(("127.0.0.1", 0), _Dashboard)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://dashboard.clinic.test:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.browser
def test_the_browser_app_reads_the_refusal_instead_of_a_network_error(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], clinic_chromium: Any
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    with dashboard_origin() as origin:
        app = create_app(make_settings(tmp_path, cors_origins=[origin]))
        with live_server(app) as base:
            port = base.rsplit(":", 1)[1]
            page = clinic_chromium.new_page()
            page.goto(f"{origin}/")
            said = page.evaluate(
                """async ([url, token]) => {
                    try {
                        const answer = await fetch(url, {headers: {Authorization: 'Bearer ' + token}});
                        const body = await answer.json();
                        return {status: answer.status, code: body.code, error: body.error,
                                id: answer.headers.get('X-Request-ID')};
                    } catch (e) { return {failed: String(e)}; }
                }""",
                [f"http://{UNLISTED}:{port}/api/v1/queue", tokens[Role.nurse]],
            )
            close_tab(page)
    assert said.get("status") == 400 and said.get("code") == "host_not_allowed", said
    assert said["error"].startswith(f'header.Host: "{UNLISTED}:{port}" is not a name of this service')
    assert f'allowed_hosts = ["{UNLISTED}"]' in said["error"] and said["id"], said
