"""Every place a user name enters the service finds or makes the account as
``referral.users.account_name`` says (what ``triage referrals users`` does too): full-width letters
and digits as their ASCII (a Chinese input method's full-width mode types ``ｎｕｒｓｅ``), no spaces at
either end, lower case. /login refused ``ｎｕｒｓｅ`` as a wrong password, /setup and POST /api/v1/users
refused it (and POST /api/v1/users `` Nurse7 ``, which `users add` and /setup took), and the
disable, enable and token routes answered 404. Real uvicorn on a real SQLite file; the API's answers
checked against /openapi.json. The first two tests share one service (:func:`served`); the third
needs a log without accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.service.conftest import PASSWORD, live_server, make_settings
from tests.service.openapi_check import conforms
from tests.service.served import Served
from tests.service.served_once import served_in
from triage.service import create_app
from triage.service.auth import Role


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Served]:
    """One service for the first two tests (each started its own: a copy of the seeded log,
    create_app, uvicorn, the /openapi.json its client checks answers against). They do not
    interfere: the first makes accounts of its own (nurse7, nurse8), the second signs the seeded
    nurse in."""
    with served_in(tmp_path_factory.mktemp("names"), seeded) as shared:
        yield shared


def test_the_api_takes_a_name_as_the_cli_and_the_pages_do(served: Served) -> None:
    client, admin = served.sync.client, served.headers(Role.admin)
    for sent, stored in ((" Nurse7 ", "nurse7"), ("Ｎｕｒｓｅ８", "nurse8")):
        made = client.post(
            "/api/v1/users", json={"username": sent, "password": PASSWORD, "role": "nurse"}, headers=admin
        )
        conforms(served.sync.document, made)
        assert made.status_code == 201 and made.json()["username"] == stored, (sent, made.text)
    off = client.post(f"/api/v1/users/{quote('ＮＵＲＳＥ７')}/disable", headers=admin)
    conforms(served.sync.document, off)
    assert off.status_code == 200 and off.json() == {
        "username": "nurse7",
        "role": "nurse",
        "language": "en",
        "disabled": True,
    }, off.text
    on = client.post(f"/api/v1/users/{quote('ｎｕｒｓｅ７')}/enable", headers=admin)
    assert on.status_code == 200 and on.json()["disabled"] is False, on.text
    issued = client.post(
        "/api/v1/tokens", json={"username": "ｎｕｒｓｅ８", "label": "tablet"}, headers=admin
    )
    conforms(served.sync.document, issued)
    assert issued.status_code == 201 and issued.json()["username"] == "nurse8", issued.text
    refused = client.post(
        "/api/v1/users", json={"username": "nurse 9", "password": PASSWORD, "role": "nurse"}, headers=admin
    )
    conforms(served.sync.document, refused)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"].startswith('username: "nurse 9": use 2-64 characters')
    assert refused.json()["fields"] == ["username"], refused.text


def test_login_takes_a_full_width_name(served: Served) -> None:
    base = str(served.sync.client.base_url)
    with httpx.Client(base_url=base, timeout=60) as browser:
        form = {"username": "ｎｕｒｓｅ", "password": PASSWORD}
        answer = browser.post("/login", data=form, headers={"Origin": base.rstrip("/")})
    assert answer.status_code == 303, answer.text
    assert "triage_session=" in answer.headers.get("set-cookie", "")


def test_setup_takes_a_full_width_name(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        form = {"username": "Ｂｏｓｓ", "password": PASSWORD, "language": "en"}
        answer = client.post("/setup", data=form, headers={"Origin": base})
        assert answer.status_code == 303, answer.text
        accounts = app.state.runtime.accounts.list()
    assert [a.username for a in accounts] == ["boss"]
