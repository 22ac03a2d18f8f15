"""``/readyz`` is public (a load balancer polls it), and its reason named the referral log's path,
its folder, the settings' model folder: anyone on the LAN learnt where the clinic keeps its data.
A caller who is not a signed-in administrator now gets whether it is ready and the reason's kind;
an administrator (session or API token) and the service log get it in full. Real SQLite, a real
service not ready because a risk model is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import PASSWORD
from triage.service import create_app
from triage.service.api.system import DETAIL_ELSEWHERE, public_reason
from triage.service.auth import Role
from triage.settings import load_settings

FULL = 'invalid_config: settings: models.enabled: no such risk model "cvd" in '


@pytest.fixture
def not_ready(tmp_path: Path) -> TestClient:
    settings = load_settings(
        None, data_dir=tmp_path, database={"path": tmp_path / "clinic.db"}, models={"enabled": ["cvd"]}
    )
    return TestClient(create_app(settings))


def test_an_anonymous_caller_gets_the_kind_not_the_paths(not_ready: TestClient, tmp_path: Path) -> None:
    with not_ready as client:
        answer = client.get("/readyz")
        token = client.get("/readyz", headers={"Authorization": "Bearer ctk_not-a-token"})
    assert answer.status_code == 503 and answer.json()["ready"] is False
    assert answer.json()["reason"] == f"invalid_config: settings ({DETAIL_ELSEWHERE})"
    assert str(tmp_path) not in answer.text and "/" not in answer.json()["reason"].split("(")[0]
    # an unknown token is no administrator, and readiness is still answered (not 401)
    assert token.status_code == 503 and token.json()["reason"] == answer.json()["reason"]


def test_a_signed_in_administrator_gets_the_reason_in_full(not_ready: TestClient) -> None:
    with not_ready as client:
        accounts = client.app.state.runtime.accounts  # type: ignore[attr-defined]
        for role in (Role.admin, Role.nurse):
            accounts.create(role.value, PASSWORD, role, "en", actor="test-setup")
        tokens = {
            role: accounts.issue_token(role.value, "monitoring", actor="test-setup")
            for role in (Role.admin, Role.nurse)
        }
        by_token = client.get("/readyz", headers={"Authorization": f"Bearer {tokens[Role.admin]}"})
        nurse = client.get("/readyz", headers={"Authorization": f"Bearer {tokens[Role.nurse]}"})
        client.post("/login", data={"username": "admin", "password": PASSWORD})
        by_session = client.get("/readyz")
    for answer in (by_token, by_session):
        assert answer.status_code == 503
        assert answer.json()["reason"].startswith(FULL), answer.text
    assert nurse.json()["reason"] == f"invalid_config: settings ({DETAIL_ELSEWHERE})"


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("starting", "starting"),
        ("loading policy and risk models", "loading policy and risk models"),
        ("os_error: [Errno 28] No space left on device: '/srv/clinic/x'", f"os_error ({DETAIL_ELSEWHERE})"),
        (
            "the disk holding the log is full: a write to /srv/clinic/clinic.db failed at 2026-05-01",
            f"the disk holding the log is full ({DETAIL_ELSEWHERE})",
        ),
        (
            "primary process: invalid_config: database.path /srv/c.db: not a usable referral log",
            f"primary process: invalid_config ({DETAIL_ELSEWHERE})",
        ),
        ("/srv/clinic/clinic.db: gone", f"not ready ({DETAIL_ELSEWHERE})"),
    ],
)
def test_the_public_reason_keeps_only_the_plain_leading_parts(reason: str, said: str) -> None:
    assert public_reason(reason) == said
