"""Another site's page cannot post the service's forms: first-run setup, login, a session's forms.

A form on any web page the clinic PC opens could post to the service (on 127.0.0.1 or the LAN):
to ``/setup`` before the first administrator exists, making the page's author the administrator;
to ``/login``, so the staff work in the author's account. The browser says where a form comes
from (``Sec-Fetch-Site``, else ``Origin``); the service refuses another origin's
(``auth.refuse_cross_origin``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.chromium import CHROMIUM, Driver, close_tab, launched
from tests.service.conftest import PASSWORD, WALK_IN, Staff, live_server, make_settings
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role

EVIL = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
SETUP = {"username": "boss", "password": PASSWORD, "language": "en"}


@pytest.mark.parametrize(
    "headers",
    [EVIL, {"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "same-site"}],
    ids=["cross-site", "origin-only", "null-origin", "same-site"],
)
def test_another_sites_form_cannot_create_the_first_administrator(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        refused = client.post("/setup", data=SETUP, headers=headers, follow_redirects=False)
        assert refused.status_code == 403, refused.text
        assert "sent by a page of another site" in refused.text
        assert client.app.state.runtime.accounts.count() == 0  # type: ignore[attr-defined]
        assert SESSION_COOKIE not in refused.cookies
        own = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
        made = client.post("/setup", data=SETUP, headers=own, follow_redirects=False)
        assert made.status_code == 303 and made.headers["location"] == "/"


def test_another_sites_form_cannot_log_the_staff_in(staff: Staff) -> None:
    refused = staff.client.post(
        "/login", data={"username": "nurse", "password": PASSWORD}, headers=EVIL, follow_redirects=False
    )
    assert refused.status_code == 403 and SESSION_COOKIE not in refused.cookies
    assert "Origin: http://evil.example" in refused.text
    # the service's own page over plain HTTP on the LAN: no Sec-Fetch-Site, its own Origin
    own = staff.client.post(
        "/login",
        data={"username": "nurse", "password": PASSWORD},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert own.status_code == 303 and SESSION_COOKIE in own.cookies


def test_a_sessions_form_from_another_site_is_refused_even_with_its_token(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    refused = staff.client.post("/api/v1/assessments", json=WALK_IN, headers={"X-CSRF-Token": csrf, **EVIL})
    assert refused.status_code == 403 and refused.json()["code"] == "cross_origin"
    assert staff.client.get("/api/v1/queue").json() == [], "nothing was stored"
    # an API client with its own credential, called from an app of another origin, is not a form
    token = staff.client.post(
        "/api/v1/assessments", json=WALK_IN, headers={**staff.bearer(Role.nurse), **EVIL}
    )
    assert token.status_code == 201, token.text


def chromium_resolving(driver: Driver, rules: str) -> Iterator[Any]:
    """Debian's Chromium with ``--host-resolver-rules`` (``MAP *.lan 127.0.0.1``): names that reach
    the loopback server as a clinic's LAN name, or another site's, would. A browser of its own, of
    the test process's one Playwright driver (``playwright_driver``)."""
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed: run `make test` as root or `apt-get install chromium`")
    with launched(driver, [f"--host-resolver-rules={rules}"]) as browser:
        yield browser


@pytest.fixture(scope="module")
def lan_chromium(playwright_driver: Driver) -> Iterator[Any]:
    """Chromium that reaches the loopback server as ``clinic.lan`` and ``evil.lan``: names that are
    not "potentially trustworthy", so the pages are plain HTTP on a LAN as a clinic's are (no
    Sec-Fetch-Site; the Origin as the page's Referrer-Policy allows it)."""
    yield from chromium_resolving(playwright_driver, "MAP *.lan 127.0.0.1")


@pytest.mark.browser
def test_on_a_lan_the_pages_own_form_sets_up_and_another_sites_cannot(
    tmp_path: Path, lan_chromium: Any
) -> None:
    app = create_app(make_settings(tmp_path, allowed_hosts=["clinic.lan"]))
    with live_server(app) as base:
        port = base.rsplit(":", 1)[1]
        clinic, evil = f"http://clinic.lan:{port}", "http://evil.lan"
        page = lan_chromium.new_page()
        attack = (
            f'<form method="post" action="{clinic}/setup"><input name="username" value="mallory">'
            f'<input name="password" value="{PASSWORD}"><button id="go">win a prize</button></form>'
        )
        page.route(f"{evil}/", lambda route: route.fulfill(body=attack, content_type="text/html"))
        page.goto(f"{evil}/")
        with page.expect_navigation():
            page.click("#go")
        assert "sent by a page of another site" in page.content()
        assert app.state.runtime.accounts.count() == 0
        # the clinic's own setup page, over plain HTTP: its form names its origin and is taken
        page.goto(f"{clinic}/setup")
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert app.state.runtime.accounts.get("boss") is not None, page.content()[:2000]
        assert app.state.runtime.accounts.get("mallory") is None
        close_tab(page)
