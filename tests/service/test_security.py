"""Sessions, CSRF, login rate limit, first-run setup, security headers, no identifiers in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import PASSWORD, WALK_IN, Staff, make_settings
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role


def test_session_cookie_is_httponly_and_samesite(staff: Staff) -> None:
    response = staff.client.post(
        "/login", data={"username": "nurse", "password": PASSWORD}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"].lower()
    assert f"{SESSION_COOKIE}=" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_forms_and_session_api_calls_need_the_csrf_token(staff: Staff) -> None:
    csrf = staff.login(Role.clinician)
    no_token = staff.client.post("/api/v1/patients", json={"mrn": "C1"})
    assert no_token.status_code == 403 and no_token.json()["code"] == "csrf_failed"
    wrong = staff.client.post("/api/v1/patients", json={"mrn": "C1"}, headers={"X-CSRF-Token": "x" * 32})
    assert wrong.status_code == 403
    ok = staff.client.post("/api/v1/patients", json={"mrn": "C1"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    form = staff.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert form.status_code == 303
    assert staff.client.get("/queue", follow_redirects=False).status_code == 303, "logged out"


def test_login_is_rate_limited_per_user(staff: Staff) -> None:
    for _ in range(5):
        bad = staff.client.post("/login", data={"username": "nurse", "password": "wrong-password"})
        assert bad.status_code == 401
    limited = staff.client.post("/login", data={"username": "nurse", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many failed attempts" in limited.text


def test_no_default_accounts_first_run_creates_the_admin(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.get("/login", follow_redirects=False).headers["location"] == "/setup"
        weak = client.post("/setup", data={"username": "boss", "password": "short"})
        assert weak.status_code == 422 and "at least 10 characters" in weak.text
        # a user name it cannot take is said beside that field, escaped, the field marked
        odd = client.post("/setup", data={"username": "<b>x</b>", "password": PASSWORD})
        assert odd.status_code == 422 and "<b>x</b>" not in odd.text
        assert (
            'id="setup-username-error"' in odd.text
            and "User name “&lt;b&gt;x&lt;/b&gt;” is not valid" in odd.text
        )
        assert 'aria-invalid="true" autofocus aria-describedby="setup-username-error"' in odd.text
        made = client.post("/setup", data={"username": "boss", "password": PASSWORD}, follow_redirects=False)
        assert made.status_code == 303
        client.cookies.clear()
        again = client.post("/setup", data={"username": "evil", "password": PASSWORD}, follow_redirects=False)
        assert again.headers["location"] == "/login", "setup is closed once an account exists"


def test_security_headers_on_pages_and_api(staff: Staff) -> None:
    for url in ("/login", "/healthz", "/api/v1/queue"):
        headers = staff.client.get(url).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "same-origin"


def test_open_redirect_after_login_is_refused(staff: Staff) -> None:
    response = staff.client.post(
        "/login",
        data={"username": "nurse", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_patient_identifiers_never_reach_the_logs(staff: Staff, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    staff.client.get("/api/v1/queue", headers=staff.bearer(Role.nurse))
    assert "MRN-001" not in caplog.text and "Synthetic Patient" not in caplog.text


def test_pages_speak_the_users_language(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    assert "No patients yet today" in staff.client.get("/queue").text
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh", "back": "/queue"})
    assert "今天还没有患者" in staff.client.get("/queue").text


def test_an_expired_session_sends_live_fragments_to_the_login_page(staff: Staff) -> None:
    response = staff.client.get("/queue/rows", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 204 and response.headers["hx-redirect"] == "/login?next=/queue"
    page = staff.client.get("/queue", follow_redirects=False)
    assert page.headers["location"] == "/login?next=/queue"
