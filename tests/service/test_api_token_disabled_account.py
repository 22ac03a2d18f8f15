"""API tokens of a disabled account. ``POST /api/v1/tokens`` for a disabled account issued a token
(201) that no request could use, and answered its ``expires_at`` as null - "never expires" - though
it had one; and a disabled account's token was refused as "the API token is unknown or revoked",
so its device bridge's owner asked for a new token, which was refused the same way. Now the issue is
a 409 naming ``username`` and saying to enable the account first, nothing issued, and the refusal
says the token's account is disabled. Real uvicorn on a real SQLite file; answers checked against
/openapi.json. The module's two tests share one service (:func:`served`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.openapi_check import conforms
from tests.service.served import Served
from tests.service.served_once import served_in
from triage.service.auth import Role


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Served]:
    """One service for both tests (each started its own). Each disables the integrator's account
    and enables it again before it ends, so the other finds the account as the seed left it; the
    tokens one issues the other does not count."""
    with served_in(tmp_path_factory.mktemp("disabled"), seeded) as shared:
        yield shared


def test_a_token_is_not_issued_for_a_disabled_account(served: Served) -> None:
    client, admin = served.sync.client, served.headers(Role.admin)
    assert client.post("/api/v1/users/integrator/disable", headers=admin).status_code == 200
    before = len(client.get("/api/v1/tokens", headers=admin).json()["data"])
    issued = client.post(
        "/api/v1/tokens", json={"username": "integrator", "label": "lab bridge"}, headers=admin
    )
    conforms(served.sync.document, issued)
    assert issued.status_code == 409 and issued.json()["code"] == "conflict", issued.text
    assert issued.json()["fields"] == ["username"], issued.text
    assert issued.json()["error"] == (
        'username: the account "integrator" is disabled, so a token for it would be refused; enable'
        " it first (POST /api/v1/users/integrator/enable); no token was issued"
    )
    assert len(client.get("/api/v1/tokens", headers=admin).json()["data"]) == before, "nothing issued"

    assert client.post("/api/v1/users/integrator/enable", headers=admin).status_code == 200
    issued = client.post(
        "/api/v1/tokens", json={"username": "integrator", "label": "lab bridge"}, headers=admin
    )
    assert issued.status_code == 201 and issued.json()["expires_at"] is not None, issued.text


def test_a_disabled_accounts_token_is_refused_saying_so(served: Served) -> None:
    client, admin = served.sync.client, served.headers(Role.admin)
    assert client.post("/api/v1/users/integrator/disable", headers=admin).status_code == 200
    refused = client.get("/api/v1/devices", headers=served.headers(Role.integrator))
    conforms(served.sync.document, refused)
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated", refused.text
    assert refused.json()["error"] == (
        'the API token\'s account "integrator" is disabled; an administrator enables it again'
        " (POST /api/v1/users/integrator/enable)"
    )
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    unknown = client.get("/api/v1/devices", headers={"Authorization": "Bearer ctk_nothing"})
    assert unknown.json()["error"] == "the API token is unknown or revoked", unknown.text
    assert client.post("/api/v1/users/integrator/enable", headers=admin).status_code == 200
    assert client.get("/api/v1/devices", headers=served.headers(Role.integrator)).status_code == 200
