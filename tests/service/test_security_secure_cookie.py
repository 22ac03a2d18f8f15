"""Behind the documented HTTPS reverse proxy the session cookie is Secure even when the
administrator did not set ``service.secure_cookies``; over plain HTTP it cannot be (the browser
would not send it back)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.service.conftest import HTTP_TIMEOUT_S, PASSWORD, WALK_IN, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role


@pytest.fixture
def app(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> FastAPI:
    copy_seeded(seeded, tmp_path)
    return create_app(make_settings(tmp_path))


def login_cookie(base: str, **headers: str) -> str:
    response = httpx.post(
        f"{base}/login",
        data={"username": "nurse", "password": PASSWORD},
        headers=headers,
        timeout=HTTP_TIMEOUT_S,
    )
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"].lower()


def test_a_login_through_the_https_proxy_gets_a_secure_cookie(app: FastAPI) -> None:
    assert app.state.runtime.settings.service.secure_cookies is False
    with live_server(app) as base:  # a real uvicorn on loopback: the proxy's address it trusts
        # nginx as docs/service.md sets it up: X-Forwarded-Proto $scheme, X-Forwarded-For
        proxied = login_cookie(base, **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"})
        assert "; secure" in proxied and "httponly" in proxied and "samesite=strict" in proxied
        plain = login_cookie(base)
        assert "; secure" not in plain, "over plain HTTP a Secure cookie would never come back"


def test_what_a_form_stored_is_said_in_a_secure_cookie_behind_the_https_proxy(
    app: FastAPI, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """The 'Visit closed' cookie a form's redirect sets was Secure only with service.secure_cookies:
    through the proxy a login's cookie was Secure and this one not (the same rule now)."""
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"}
    nurse_token = seeded[1][Role.nurse]
    with (
        live_server(app) as base,
        httpx.Client(base_url=base, headers=proxy, timeout=HTTP_TIMEOUT_S) as nurse,
    ):
        walk_in = nurse.post(
            "/api/v1/assessments", json=WALK_IN, headers={"Authorization": f"Bearer {nurse_token}"}
        )
        encounter = walk_in.json()["encounter_id"]
        login = nurse.post("/login", data={"username": "nurse", "password": PASSWORD})
        sid = login.cookies["triage_session"]  # (Secure: httpx keeps it for HTTPS, as the browser)
        csrf = app.state.runtime.sessions.get(sid).csrf_token
        closed = nurse.post(
            f"/encounters/{encounter}/close",
            data={"csrf_token": csrf, "reason": "seen, home", "without_referral": "1"},
            headers={"Cookie": f"triage_session={sid}"},
        )
    assert closed.status_code == 303 and closed.headers["location"] == f"/encounters/{encounter}"
    done = closed.headers["set-cookie"].lower()
    assert done.startswith("triage_done=") and "; secure" in done and "samesite=strict" in done
