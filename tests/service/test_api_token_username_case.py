"""A user name is one account however it is capitalised: ``POST /api/v1/users`` with ``Nurse2``
stores ``nurse2``, and logging in, disabling and enabling take ``Nurse2`` too - but ``POST
/api/v1/tokens`` for ``Nurse2`` (the name as the administrator's script created it) was a 404 "user
"Nurse2" not found". Now a token is issued for the account as the other routes find it, and the
answer names the stored account. Real uvicorn on a real SQLite file; answers checked against
/openapi.json."""

from __future__ import annotations

from tests.service.openapi_check import conforms
from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]


def test_a_token_is_issued_for_the_account_as_it_was_created(served: Served) -> None:
    client, admin = served.sync.client, served.headers(Role.admin)
    made = client.post(
        "/api/v1/users",
        json={"username": "Bridge-2", "password": "clinic-pass-2026", "role": "integrator"},
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["username"] == "bridge-2", made.text
    for sent in ("Bridge-2", " BRIDGE-2 "):
        issued = client.post("/api/v1/tokens", json={"username": sent, "label": "lab bridge"}, headers=admin)
        conforms(served.sync.document, issued)
        assert issued.status_code == 201, (sent, issued.text)
        assert issued.json()["username"] == "bridge-2" and issued.json()["expires_at"] is not None, (
            issued.text
        )
        bridge = {"Authorization": f"Bearer {issued.json()['token']}"}
        assert client.get("/api/v1/devices", headers=bridge).status_code == 200
    owners = [row["username"] for row in client.get("/api/v1/tokens", headers=admin).json()["data"]]
    assert owners.count("bridge-2") == 2, owners
    missing = client.post("/api/v1/tokens", json={"username": "Ghost", "label": "x"}, headers=admin)
    assert missing.status_code == 404 and missing.json()["fields"] == ["username"], missing.text
    assert missing.json()["error"] == (  # it said 'username: user "ghost" not found' alone
        'username: no account "ghost" (GET /api/v1/users lists them, POST /api/v1/users makes one); no'
        " token was issued"
    ), missing.text
