"""A request refused because the service is not ready says why in the words ``/readyz`` gives a
caller who is not an administrator: the reason's kind, not the file it names. The 503
``dependency_missing`` of any signed-in role (a nurse's walk-in, on the API or the page) carried
the whole reason - the settings' model registry path, the referral log's folder - which ``/readyz``
keeps for administrators (``tests/service/test_security_readyz_detail.py``). Real SQLite, a real
service not ready because a risk model named in the settings does not exist."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.conftest import PASSWORD, WALK_IN
from triage.service import create_app
from triage.service.api.deps import DETAIL_ELSEWHERE
from triage.service.auth import Role
from triage.settings import load_settings

HERE = str(Path(__file__).resolve().parents[2])  # the models' registry is in the repository


def test_a_nurses_walk_in_refused_while_not_ready_names_no_file(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        database={"path": tmp_path / "clinic.db"},
        models={"enabled": ["cvd"]},
        service={"default_language": "en"},
    )
    with TestClient(create_app(settings)) as client:
        accounts = client.app.state.runtime.accounts  # type: ignore[attr-defined]
        accounts.create("nurse", PASSWORD, Role.nurse, "en", actor="test-setup")
        token = accounts.issue_token("nurse", "walk-in bridge", actor="test-setup")
        by_token = client.post(
            "/api/v1/assessments", json=WALK_IN, headers={"Authorization": f"Bearer {token}"}
        )
        client.post("/login", data={"username": "nurse", "password": PASSWORD})
        by_session = client.post(
            "/api/v1/assessments",
            json=WALK_IN,
            headers={
                "X-CSRF-Token": client.app.state.runtime.sessions.get(  # type: ignore[attr-defined]
                    client.cookies["triage_session"]
                ).csrf_token
            },
        )
    for answer in (by_token, by_session):
        assert answer.status_code == 503, answer.text
        body = answer.json()
        assert body["code"] == "dependency_missing"
        assert (
            body["error"] == f"the triage engine is not loaded: invalid_config: settings ({DETAIL_ELSEWHERE})"
        )
        assert HERE not in answer.text and str(tmp_path) not in answer.text and "registry" not in answer.text
