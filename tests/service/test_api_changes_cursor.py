"""A sync client's cursor from a log that is no longer there - the clinic restored its log from a
backup taken before the client's last sync - is past the newest change: the feeds answered an empty
page and that cursor back, so the client waited, in silence, for changes it had already been sent
while every change made after the restore had a number it would skip. Now a 409 ``cursor_ahead``
naming ``query.after`` and the newest change, saying to sync again from 0. Real uvicorn, a real
SQLite file restored from its copy."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import httpx

from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role

FEEDS = ("referrals", "encounters", "assessments")


def test_a_cursor_past_the_newest_change_after_a_restore_is_409_saying_to_sync_again(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.analyst]}"}
    nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    backup = tmp_path / "backup"
    with live_server(create_app(make_settings(tmp_path))) as base, httpx.Client(base_url=base) as c:
        c.post("/api/v1/assessments", json=WALK_IN, headers=nurse)
        shutil.copytree(tmp_path, backup, ignore=shutil.ignore_patterns("backup"))  # (WAL mode: both files)
        for n in range(2):
            body = copy.deepcopy(WALK_IN)
            body["patient"]["mrn"] = f"AFTER-{n}"
            assert c.post("/api/v1/assessments", json=body, headers=nurse).status_code == 201
        cursor = c.get("/api/v1/changes/assessments?after=0", headers=auth).json()["cursor"]
        # an up-to-date poll is an empty page and the same cursor, as before
        polled = c.get(f"/api/v1/changes/assessments?after={cursor}", headers=auth)
        assert polled.status_code == 200 and polled.json()["data"] == [] and polled.json()["cursor"] == cursor
    for name in ("clinic.db", "clinic.db-wal"):
        (tmp_path / name).unlink(missing_ok=True)
        if (backup / name).exists():
            shutil.copy(backup / name, tmp_path / name)
    with live_server(create_app(make_settings(tmp_path))) as base, httpx.Client(base_url=base) as c:
        document = c.get("/openapi.json").json()
        newest = c.get("/api/v1/changes/assessments?after=0", headers=auth).json()["cursor"]
        assert newest < cursor
        for feed in FEEDS:
            ahead = c.get(f"/api/v1/changes/{feed}?after={cursor}", headers=auth)
            conforms(document, ahead)
            assert ahead.status_code == 409 and ahead.json()["code"] == "cursor_ahead", ahead.text
            assert ahead.json()["fields"] == ["query.after"]
            assert ahead.json()["context"]["newest"] >= newest
            assert ahead.json()["error"].startswith(
                f"query.after: {cursor} is past the newest change of this referral log"
            ), ahead.text
            assert "sync again from after=0" in ahead.json()["error"]
