"""A sync client's cursor from a log that is no longer there - the clinic restored its log from a
backup taken before the client's last sync - is past the newest change: the feeds answered an empty
page and that cursor back, so the client waited, in silence, for changes it had already been sent
while every change made after the restore had a number it would skip. Now a 409 ``cursor_ahead``
naming ``query.after`` and the newest change, saying to sync again from 0. Real uvicorn, a real
SQLite file restored from its copy."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
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
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
    ):
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
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
    ):
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


def _walk_ins(client: httpx.Client, tokens: dict[Role, str], prefix: str, count: int) -> None:
    """``count`` walk-ins by a nurse, each referred by a clinician (a change in every feed)."""
    nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    clinician = {"Authorization": f"Bearer {tokens[Role.clinician]}"}
    for n in range(count):
        body = copy.deepcopy(WALK_IN)
        body["patient"]["mrn"] = f"{prefix}-{n}"  # type: ignore[index]
        made = client.post("/api/v1/assessments", json=body, headers=nurse)
        assert made.status_code == 201, made.text
        referral = {"assessment_id": made.json()["id"], "to_facility": "county-hospital", "urgency": "urgent"}
        referred = client.post("/api/v1/referrals", json=referral | {"reason": "SpO2"}, headers=clinician)
        assert referred.status_code == 201, referred.text


def test_a_cursor_of_another_log_below_its_newest_change_is_409_with_its_hash(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """Another clinic's cursor (or a test log's) numbers an entry this log has too: it read as a place
    in this log, and every change up to it was skipped without a word. With the answer's
    ``cursor_hash`` sent back as ``after_hash`` it is a 409 ``cursor_mismatch``."""
    clinic_a, clinic_b = tmp_path / "a", tmp_path / "b"
    clinic_a.mkdir()
    clinic_b.mkdir()
    cursors = {}
    for folder, count in ((clinic_a, 1), (clinic_b, 4)):
        tokens = copy_seeded(seeded, folder)
        auth = {"Authorization": f"Bearer {tokens[Role.analyst]}"}
        with (
            live_server(create_app(make_settings(folder))) as base,
            httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
        ):
            _walk_ins(c, tokens, folder.name, count)
            cursors[folder.name] = {
                feed: c.get(f"/api/v1/changes/{feed}?after=0", headers=auth).json() for feed in FEEDS
            }
    with (
        live_server(create_app(make_settings(clinic_b))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
    ):
        document = c.get("/openapi.json").json()
        for feed in FEEDS:
            theirs, ours = cursors["a"][feed], cursors["b"][feed]
            assert theirs["cursor"] < ours["cursor"]  # below the newest: cursor_ahead cannot see it
            assert re.fullmatch("[0-9a-f]{16}", theirs["cursor_hash"])
            wrong = c.get(
                f"/api/v1/changes/{feed}?after={theirs['cursor']}&after_hash={theirs['cursor_hash']}",
                headers=auth,
            )
            conforms(document, wrong)
            assert wrong.status_code == 409 and wrong.json()["code"] == "cursor_mismatch", wrong.text
            assert wrong.json()["fields"] == ["query.after_hash"]
            assert wrong.json()["error"].startswith(
                f"query.after_hash: entry {theirs['cursor']} of this referral log is not the one the cursor"
            )
            assert "sync again from after=0" in wrong.json()["error"]
            # its own cursor, with its hash, is taken: an up-to-date poll
            own = c.get(
                f"/api/v1/changes/{feed}?after={ours['cursor']}&after_hash={ours['cursor_hash']}",
                headers=auth,
            )
            conforms(document, own)
            assert own.status_code == 200 and own.json()["data"] == [], own.text
            assert own.json()["cursor_hash"] == ours["cursor_hash"]


def test_a_cursor_from_before_a_restore_after_which_the_log_changed_is_409_and_next_carries_the_hash(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """The clinic restored its log from a backup and new changes took the numbers again, past the
    client's cursor: not ahead, so the changes up to the cursor were skipped. With ``after_hash``:
    409 ``cursor_mismatch``. The pages' ``next`` carries the hash, so a client following it is checked
    without doing anything; ``after_hash`` with ``after=0`` is a 422."""
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.analyst]}"}
    backup = tmp_path / "backup"
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
    ):
        _walk_ins(c, tokens, "BEFORE", 1)
        shutil.copytree(tmp_path, backup, ignore=shutil.ignore_patterns("backup"))
        _walk_ins(c, tokens, "LOST", 2)
        first = c.get("/api/v1/changes/assessments?after=0&limit=1", headers=auth)
        assert f"after_hash={first.json()['cursor_hash']}" in first.json()["next"]
        followed = c.get(first.json()["next"], headers=auth)
        assert followed.status_code == 200 and followed.json()["data"], followed.text
        synced = c.get("/api/v1/changes/assessments?after=0", headers=auth).json()
        zero = c.get(f"/api/v1/changes/assessments?after=0&after_hash={synced['cursor_hash']}", headers=auth)
        assert zero.status_code == 422 and zero.json()["fields"] == ["query.after_hash"], zero.text
        for bad in ("XYZ", synced["cursor_hash"].upper(), ""):
            refused = c.get(f"/api/v1/changes/assessments?after=1&after_hash={bad}", headers=auth)
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"].startswith(
                "query.after_hash: must be 16 hexadecimal digits in lower case (0-9, a-f)"
            ), refused.text
    for name in ("clinic.db", "clinic.db-wal"):
        (tmp_path / name).unlink(missing_ok=True)
        if (backup / name).exists():
            shutil.copy(backup / name, tmp_path / name)
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
    ):
        _walk_ins(c, tokens, "AFTER", 4)
        query = f"after={synced['cursor']}&after_hash={synced['cursor_hash']}"
        for feed in FEEDS:
            after = c.get(f"/api/v1/changes/{feed}?{query}", headers=auth)
            assert after.status_code == 409 and after.json()["code"] == "cursor_mismatch", after.text
        # without the hash the cursor is read as before: a place in this log (the old behaviour)
        unchecked = c.get(f"/api/v1/changes/assessments?after={synced['cursor']}", headers=auth)
        assert unchecked.status_code == 200
