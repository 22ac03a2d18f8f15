"""A page of another web site that reaches the service under its own name (DNS rebinding) is
refused before any route sees it: ``400 host_not_allowed`` (``triage/service/hosts.py``).

Until the first administrator exists, a site whose name resolved to 127.0.0.1 a moment after its
page loaded could open ``/setup`` as its own same-origin page and send it: the browser says
``Sec-Fetch-Site: same-origin``, so the refusal of another site's forms let it pass, and its
author became the clinic's administrator. The one thing such a page cannot change is the
``Host`` its browser sends. Real uvicorn, real Chromium resolving ``rebind.example`` and
``clinic.example`` to the loopback server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.chromium import Driver, close_tab
from tests.service.conftest import HTTP_TIMEOUT_S, PASSWORD, live_server, make_settings
from tests.service.test_security_cross_origin import chromium_resolving
from triage.service import create_app
from triage.service.hosts import AllowedHosts, host_name
from triage.settings import load_settings


@pytest.fixture(scope="module")
def rebinding_chromium(playwright_driver: Driver) -> Iterator[Any]:
    """Chromium for which ``rebind.example`` (the other site, rebound) and ``clinic.example`` (the
    clinic's own name, as a reverse proxy's) are the loopback address."""
    yield from chromium_resolving(
        playwright_driver, "MAP rebind.example 127.0.0.1, MAP clinic.example 127.0.0.1"
    )


@pytest.mark.browser
def test_a_rebound_site_cannot_open_or_send_the_first_run_setup(
    tmp_path: Path, rebinding_chromium: Any
) -> None:
    app = create_app(make_settings(tmp_path, allowed_hosts=["clinic.example"]))
    with live_server(app) as base:
        port = base.rsplit(":", 1)[1]
        page = rebinding_chromium.new_page()
        answer = page.goto(f"http://rebind.example:{port}/setup")
        assert answer is not None and answer.status == 400
        assert 'Host "rebind.example:' in page.content() and "service.allowed_hosts" in page.content()
        # its script posts the form as its own page would (same origin for the browser)
        sent = page.evaluate(
            """async (password) => (await fetch('/setup', {method: 'POST', body: new URLSearchParams(
                {username: 'mallory', password, language: 'en'})})).status""",
            PASSWORD,
        )
        assert sent == 400
        assert app.state.runtime.accounts.count() == 0
        # the clinic's own name (allowed_hosts) and the loopback address serve the form
        for own in (f"http://clinic.example:{port}/setup", f"{base}/setup", f"http://localhost:{port}/setup"):
            shown = page.goto(own)
            assert shown is not None and shown.status == 200 and 'name="password"' in page.content(), own
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert app.state.runtime.accounts.get("boss") is not None
        close_tab(page)


def test_the_api_answers_a_rebound_name_with_its_error_shape(tmp_path: Path) -> None:
    with live_server(create_app(make_settings(tmp_path))) as base:
        refused = httpx.get(
            f"{base}/api/v1/queue", headers={"Host": "rebind.example"}, timeout=HTTP_TIMEOUT_S
        )
        login = httpx.post(
            f"{base}/login",
            data={"username": "x", "password": "y"},
            headers={"Host": "rebind.example"},
            timeout=HTTP_TIMEOUT_S,
        )
        ready = httpx.get(f"{base}/readyz", headers={"Host": "10.0.0.5:8000"}, timeout=HTTP_TIMEOUT_S)
    assert refused.status_code == 400 and refused.json()["code"] == "host_not_allowed"
    assert refused.json()["error"].startswith('header.Host: "rebind.example" is not a name of this service')
    assert login.status_code == 400 and login.headers["content-type"].startswith("text/plain")
    assert ready.status_code == 200, "an IP address names the service"


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8000", True),
        ("[::1]:8000", True),
        ("10.0.0.5", True),
        ("localhost:8000", True),
        ("clinic-pc:8000", True),  # the PC's name on the LAN: no public DNS answers for it
        ("app.localhost", True),
        ("triage.clinic.example", True),
        ("TRIAGE.Clinic.Example:443", True),
        ("ward.north.example", True),  # under ".north.example"
        ("north.example", True),
        ("rebind.example", False),
        ("evil-north.example", False),
        ("localhost.evil.example", False),
        ("127.0.0.1.nip.io", False),
        ("", False),
    ],
)
def test_which_names_are_this_services(host: str, allowed: bool) -> None:
    hosts = AllowedHosts("127.0.0.1", ["triage.clinic.example", ".north.example"])
    assert hosts.allows(host) is allowed, host_name(host)


@pytest.mark.parametrize(
    "bad", ["https://clinic.example", "clinic.example:443", "*.example", "Clinic.example", ""]
)
def test_a_setting_that_is_no_host_name_stops_start_up(tmp_path: Path, bad: str) -> None:
    from triage.errors import ConfigError

    with pytest.raises(ConfigError, match=r"allowed_hosts.*is not a host name"):
        load_settings(None, data_dir=tmp_path, service={"allowed_hosts": [bad]})
