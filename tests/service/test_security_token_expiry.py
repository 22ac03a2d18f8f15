"""API tokens expire and can be listed. A token issued once worked for good, and an administrator
could not see which tokens existed, whose they were or whether they were still used - only revoke
one they still held. Now a token works ``service.token_max_age_days`` (365) or the days its issue
says, is then refused saying it expired, and ``GET /api/v1/tokens`` lists every token with its
owner, role, label, creation, last use and expiry - never the token. Real uvicorn, real SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from referral import audit, audit_rows
from referral.errors import ConfigError
from tests.service.conftest import (
    HTTP_TIMEOUT_S,
    Staff,
    clock_kept,
    copy_seeded,
    live_server,
    make_settings,
    start_up_written,
)
from triage.service import create_app
from triage.service.auth import Role
from triage.service.security import token_digest
from triage.settings import load_settings


def test_a_token_expires_and_the_listing_shows_it_without_the_secret(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    kept = clock_kept(tmp_path / "clinic.db")
    app = create_app(make_settings(tmp_path, token_max_age_days=30))
    admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
    accounts = app.state.runtime.accounts
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client:
        # the service's own start-up write done: it could hold the lock just when the bridge's use
        # is noted, a note that never waits for it (and the listing then said "never used")
        start_up_written(tmp_path / "clinic.db", kept)
        short = client.post(
            "/api/v1/tokens",
            json={"username": "integrator", "label": "lab bridge", "expires_in_days": 2},
            headers=admin,
        ).json()
        usual = client.post(
            "/api/v1/tokens", json={"username": "integrator", "label": "scale"}, headers=admin
        ).json()
        issued = datetime.now(UTC)
        for made, days in ((short, 2), (usual, 30)):
            expires = datetime.fromisoformat(made["expires_at"])
            assert abs(expires - issued - timedelta(days=days)) < timedelta(minutes=1), made
        bridge = {"Authorization": f"Bearer {short['token']}"}
        assert client.get("/api/v1/devices", headers=bridge).status_code == 200

        listed = client.get("/api/v1/tokens", headers=admin)
        assert listed.status_code == 200
        mine = {row["id"]: row for row in listed.json()["data"]}
        row = mine[token_digest(short["token"])[:12]]
        assert (
            row["username"] == "integrator" and row["role"] == "integrator" and row["label"] == "lab bridge"
        )
        assert (
            row["state"] == "live" and row["expires_at"] == short["expires_at"] and row["revoked_at"] is None
        )
        assert (
            row["last_used_at"] is not None
            and mine[token_digest(usual["token"])[:12]]["last_used_at"] is None
        )
        assert short["token"] not in listed.text and token_digest(short["token"]) not in listed.text
        assert listed.headers["X-Total-Count"] == str(len(Role) + 2)
        for role in (Role.nurse, Role.integrator):  # administrators only
            other = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {tokens[role]}"})
            assert other.status_code == 403

        accounts.now = lambda: datetime.now(UTC) + timedelta(days=3)  # three days on
        refused = client.get("/api/v1/devices", headers=bridge)
        assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
        assert refused.json()["error"].startswith("the API token expired at ")
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
        assert (
            client.get("/api/v1/devices", headers={"Authorization": f"Bearer {usual['token']}"}).status_code
            == 200
        )
        states = {
            row["id"]: row["state"] for row in client.get("/api/v1/tokens", headers=admin).json()["data"]
        }
        assert states[token_digest(short["token"])[:12]] == "expired"
        assert states[token_digest(usual["token"])[:12]] == "live"
    db = app.state.runtime.databases.get()
    assert audit.verify(db).ok and audit_rows.verify_rows(db).ok, "the expiry is in token.create"
    db.conn.execute(
        "UPDATE api_tokens SET expires_at = '2099-01-01T00:00:00.000+00:00' WHERE token_sha256 = ?",
        [token_digest(short["token"])],
    )
    report = audit_rows.verify_rows(db)
    assert not report.ok and "expires_at" in str(report.problem), "an expiry moved behind its back shows"


@pytest.mark.parametrize("days", [0, 3651, "a year"])
def test_an_expiry_out_of_range_is_refused(tmp_path: Path, days: object) -> None:
    with pytest.raises(ConfigError, match="token_max_age_days"):
        load_settings(None, data_dir=tmp_path, service={"token_max_age_days": days})


def test_the_administrator_lists_the_tokens_on_the_service_machine(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """``triage referrals tokens``: the same listing from the log, without the service or a token."""
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with live_server(app):
        app.state.runtime.accounts.issue_token("integrator", "old scale", actor="admin", days=1)
    triage = str(Path(sys.executable).with_name("triage"))
    text = subprocess.run(
        [triage, "referrals", "tokens", "--db", str(tmp_path / "clinic.db")], capture_output=True, text=True
    )
    listed = subprocess.run(
        [triage, "referrals", "tokens", "--db", str(tmp_path / "clinic.db"), "--json"],
        capture_output=True,
        text=True,
    )
    assert text.returncode == 0 and listed.returncode == 0, text.stderr + listed.stderr
    header = text.stdout.splitlines()[0].split()
    assert header == ["id", "username", "role", "label", "created_at", "last_used_at", "expires_at", "state"]
    rows = json.loads(listed.stdout)
    assert len(rows) == len(Role) + 1 and {row["state"] for row in rows} == {"live"}, "tomorrow it expires"
    assert [row["label"] for row in rows if row["username"] == "integrator"] == [
        "integrator test token",
        "old scale",
    ]
    for token in tokens.values():
        assert token not in text.stdout + listed.stdout and token_digest(token) not in listed.stdout


def test_an_administrator_revokes_a_listed_token_without_holding_it(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """The listing names a token by ``id``; the administrator of a lost device bridge does not hold
    its token, and ``POST /api/v1/tokens/revoke`` took only the token itself."""
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
    bridge = {"Authorization": f"Bearer {tokens[Role.integrator]}"}
    token_id = token_digest(tokens[Role.integrator])[:12]
    with (
        live_server(app) as base,
        httpx.Client(base_url=base, headers=admin, timeout=HTTP_TIMEOUT_S) as client,
    ):
        assert httpx.get(f"{base}/api/v1/devices", headers=bridge, timeout=HTTP_TIMEOUT_S).status_code == 200
        revoked = client.post("/api/v1/tokens/revoke", json={"id": token_id})
        assert revoked.status_code == 200 and revoked.json() == {"revoked": True}
        assert httpx.get(f"{base}/api/v1/devices", headers=bridge, timeout=HTTP_TIMEOUT_S).status_code == 401
        row = next(r for r in client.get("/api/v1/tokens").json()["data"] if r["id"] == token_id)
        assert row["state"] == "revoked" and row["revoked_at"] is not None
        again = client.post("/api/v1/tokens/revoke", json={"id": token_id})
        assert again.status_code == 404 and again.json()["error"].startswith(
            f'id: no live token "{token_id}"'
        )
        both = client.post("/api/v1/tokens/revoke", json={"id": token_id, "token": tokens[Role.nurse]})
        neither = client.post("/api/v1/tokens/revoke", json={})
        bad = client.post("/api/v1/tokens/revoke", json={"id": "ctk_x"})
    for refused in (both, neither):
        assert refused.status_code == 422 and "one of the two" in refused.json()["error"], refused.text
    assert bad.status_code == 422 and bad.json()["fields"] == ["id"], bad.text
    assert bad.json()["error"].startswith("id: must be 12 hexadecimal digits"), bad.text
    assert tokens[Role.nurse] not in both.text, "the token sent is not repeated"
    db = app.state.runtime.databases.get()
    assert audit.verify(db).ok and audit_rows.verify_rows(db).ok


def test_a_token_refused_by_the_revoke_body_is_not_repeated(staff: Staff) -> None:
    pasted = "ctk_" + "Q" * 240  # a token pasted twice, or with a log line around it: over 200
    refused = staff.client.post(
        "/api/v1/tokens/revoke", json={"token": pasted}, headers=staff.bearer(Role.admin)
    )
    assert refused.status_code == 422 and refused.json()["fields"] == ["token"], refused.text
    assert "Q" * 20 not in refused.text, "a client's log keeps its errors: the token is not repeated"
