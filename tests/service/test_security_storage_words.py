"""A 503 ``database_busy`` (or ``storage_error``, tests/service/test_storage_failures.py) tells the
log's path to a signed-in administrator only, as ``/readyz`` does (702a62e); any other role gets
the kind and what to do - send it again, or ask the administrator. Every signed-in role (a nurse's
walk-in, a device bridge) was told where the clinic's records are on disk. Real uvicorn, a real
SQLite file locked by another connection."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.service.conftest import PASSWORD, clock_kept, copy_seeded, live_server, start_up_written
from tests.service.test_security_busy_log import log_held
from tests.service.test_storage_failures import _walk_in
from triage.service import create_app
from triage.service.auth import Role
from triage.settings import load_settings


def test_a_locked_log_is_named_to_the_administrator_only(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    path = tmp_path / "clinic.db"
    settings = load_settings(
        None,
        data_dir=tmp_path,
        database={"path": path, "busy_timeout_ms": 100},
        service={"default_language": "en"},
    )
    kept = clock_kept(path)
    with live_server(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as page:
        # the service's own start-up write done: the sign-in waits at most the 100 ms busy timeout
        start_up_written(path, kept)
        assert page.post("/login", data={"username": "nurse", "password": PASSWORD}).status_code == 303
        found = re.search(r'"X-CSRF-Token": "([^"]+)"', page.get("/queue").text)
        assert found is not None
        with log_held(path):
            nurse = httpx.post(
                f"{base}/api/v1/assessments",
                json=_walk_in("BUSY-1"),
                headers={"Authorization": f"Bearer {tokens[Role.nurse]}"},
                timeout=30,
            )
            form = page.post(
                "/walk-ins",
                data={"mrn": "BUSY-2", "name": "Synthetic Patient", "sex": "male", "age_years": "41"},
                headers={"X-CSRF-Token": found[1]},
            )
            admin = httpx.post(
                f"{base}/api/v1/users",
                json={"username": "new-nurse", "password": "a-long-new-password-7", "role": "nurse"},
                headers={"Authorization": f"Bearer {tokens[Role.admin]}"},
                timeout=30,
            )
    assert (nurse.status_code, nurse.json()["code"]) == (503, "database_busy"), nurse.text
    said = nurse.json()["error"]
    assert str(tmp_path) not in nurse.text and "clinic.db" not in nurse.text, said
    assert said.startswith("referral log: it stayed locked by another writer; nothing of this request was")
    assert "send it again in a moment" in said and "administrator" in said
    assert form.status_code == 503 and str(tmp_path) not in form.text, form.text[:2000]
    assert "busy with another change" in form.text and "send it again in a moment" in form.text
    assert (admin.status_code, admin.json()["code"]) == (503, "database_busy"), admin.text
    assert str(path) in admin.json()["error"], admin.text
