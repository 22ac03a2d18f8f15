"""Idempotency keys were kept for ever: a client whose keys start again (a bridge numbering its
requests anew after a restart) was answered last month's record as if its new request were a retry.
Now a key is kept at least ``[service] idempotency_retention_s`` (24 hours unless set) and then
forgotten by a purge, audited so that ``verify-audit`` still replays every row: the request sent
with a forgotten key is a new request (201, a new record). Real uvicorn on a real SQLite file; time
is advanced by passing ``now`` (or the service's clock), never by sleeping."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlite_utils import Database

from referral import audit, idempotency_keys
from referral.audit_rows import verify_rows
from referral.clock import Clock
from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.errors import ConfigError
from triage.service import create_app
from triage.service.auth import Role
from triage.settings import load_settings

DAY = timedelta(hours=24)
READINGS = [{"code": "heart_rate", "value": 96, "unit": "/min", "device": "bridge-1"}]


class Client:
    def __init__(self, base: str, tokens: dict[Role, str]) -> None:
        self.http = httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S)
        self.tokens = tokens
        self.document = self.http.get("/openapi.json").json()

    def post(self, path: str, body: object, role: Role, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        answer = self.http.post(path, json=body, headers=headers)
        conforms(self.document, answer)
        assert answer.status_code in (200, 201), answer.text
        return answer


@dataclass
class Keyed:
    """One request of each kind that takes a key, sent once, and how to send each again."""

    client: Client
    folder: Path
    ids: dict[str, Any]

    def again(self) -> dict[str, Any]:
        """Every request sent again with its key: the ids it is answered."""
        walk_in = self.client.post("/api/v1/assessments", _walk_in(), Role.nurse, "walk-in-1").json()
        readings = self.client.post(
            f"/api/v1/encounters/{self.ids['encounter']}/observations", READINGS, Role.integrator, "bridge-1"
        ).json()
        referral = self.client.post(
            "/api/v1/referrals", _referral(self.ids["assessment"]), Role.clinician
        ).json()
        return {
            "assessment": walk_in["id"],
            "encounter": walk_in["encounter_id"],
            "readings": readings["ids"],
            "referral": referral["id"],
        }


def _walk_in() -> dict[str, Any]:
    body = copy.deepcopy(WALK_IN)
    body["patient"]["mrn"] = "RETAINED-1"  # type: ignore[index]
    return body


def _referral(assessment: int) -> dict[str, Any]:
    return {
        "assessment_id": assessment,
        "to_facility": "county-hospital",
        "urgency": "urgent",
        "reason": "SpO2 86 %",
        "idempotency_key": "referral-1",
        "alongside_open": True,
    }


@pytest.fixture
def keyed(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Keyed]:
    tokens = copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path))) as base:
        client = Client(base, tokens)
        first = Keyed(client, tmp_path, {})
        walk_in = client.post("/api/v1/assessments", _walk_in(), Role.nurse, "walk-in-1").json()
        first.ids = {"assessment": walk_in["id"], "encounter": walk_in["encounter_id"]}
        first.ids = first.again()  # the readings and the referral sent the first time
        yield first
        client.http.close()


def _purge(folder: Path, now: datetime, **how: Any) -> idempotency_keys.PurgeReport:
    db = Database(folder / "clinic.db")
    try:
        return idempotency_keys.purge(db, now=now, retention=DAY, **how)
    finally:
        db.close()


def _verified(folder: Path) -> None:
    """``triage referrals verify-audit``'s two checks: the chain, and every row against its trail."""
    db = Database(folder / "clinic.db")
    try:
        assert audit.verify(db).ok
        rows = verify_rows(db)
        assert rows.ok, rows.as_dict()
    finally:
        db.close()


def test_within_the_retention_every_key_still_answers_its_record(keyed: Keyed) -> None:
    report = _purge(keyed.folder, datetime.now(UTC) + DAY - timedelta(minutes=5))
    assert report.total == 0 and report.entries == 0
    assert keyed.again() == keyed.ids
    _verified(keyed.folder)


def test_after_the_retention_each_key_is_forgotten_audited_and_names_a_new_request(keyed: Keyed) -> None:
    report = _purge(keyed.folder, datetime.now(UTC) + DAY + timedelta(minutes=5))
    assert report.cleared == {
        "encounters": 1,
        "assessments": 1,
        "referrals": 1,
        "observation_requests": 1,
        "overrides": 0,
    }
    assert report.entries == 1
    _verified(keyed.folder)  # the purge's audit entry replays: the rows' keys cleared, the request gone
    again = keyed.again()
    for kind in ("assessment", "readings", "referral"):
        assert again[kind] != keyed.ids[kind], kind  # a new request: stored again
    assert again["encounter"] == keyed.ids["encounter"]  # (the walk-in joins the visit open today)
    _verified(keyed.folder)  # the keys in use again
    # the new requests' keys are kept in their turn
    assert keyed.again() == again
    forgotten = _purge(keyed.folder, datetime.now(UTC) + DAY + timedelta(minutes=5)).cleared
    assert forgotten == {
        "encounters": 0,
        "assessments": 1,
        "referrals": 1,
        "observation_requests": 1,
        "overrides": 0,
    }
    _verified(keyed.folder)


def test_a_purge_goes_in_short_batches_each_with_its_audit_entry(keyed: Keyed) -> None:
    """The service runs one batch at a time (``most=1``) and pauses between them, so that requests'
    writes come first while a backlog is forgotten (a log upgraded with every key ever kept)."""
    first = _purge(keyed.folder, datetime.now(UTC) + 2 * DAY, batch=1, most=1)
    assert first.total == 1 and first.entries == 1
    _verified(keyed.folder)
    rest = _purge(keyed.folder, datetime.now(UTC) + 2 * DAY, batch=1)
    assert rest.total == 3 and rest.entries == 3
    _verified(keyed.folder)


def test_the_service_forgets_expired_keys_when_the_log_opens(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path))) as base:
        made = Client(base, tokens).post("/api/v1/assessments", _walk_in(), Role.nurse, "walk-in-1").json()

    class Later(Clock):
        def now(self) -> datetime:
            return datetime.now(UTC) + DAY + timedelta(hours=1)

    app = create_app(make_settings(tmp_path))
    app.state.runtime.clock = Later()
    with live_server(app) as base:
        again = Client(base, tokens).post("/api/v1/assessments", _walk_in(), Role.nurse, "walk-in-1").json()
    assert again["id"] != made["id"]  # the key was forgotten when the service opened the log
    _verified(tmp_path)


def test_the_retention_is_a_setting_of_1_hour_to_30_days_24_hours_unless_set(tmp_path: Path) -> None:
    assert make_settings(tmp_path).service.idempotency_retention == DAY
    assert make_settings(tmp_path, idempotency_retention_s=3600).service.idempotency_retention_s == 3600
    for refused in (3599, 30 * 86400 + 1):
        with pytest.raises(ConfigError, match=r"service\.idempotency_retention_s"):
            load_settings(None, service={"idempotency_retention_s": refused})


def test_a_visit_started_in_a_zone_behind_utc_keeps_its_key_for_the_whole_retention(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """An encounter's start is stored in the clinic's zone (``-05:00`` here): compared as text with
    the UTC cutoff it read five hours older than it is, and its key was forgotten that much early."""
    tokens = copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path, timezone="America/New_York"))) as base:
        client = Client(base, tokens)
        client.post("/api/v1/patients", {"mrn": "ZONED-1"}, Role.nurse)
        visit = {"mrn": "ZONED-1", "idempotency_key": "visit-1"}
        made = client.post("/api/v1/encounters", visit, Role.nurse).json()
        assert made["started_at"].endswith(("-05:00", "-04:00")), made
        kept = _purge(tmp_path, datetime.now(UTC) + DAY - timedelta(hours=1))
        assert kept.cleared["encounters"] == 0
        assert client.post("/api/v1/encounters", visit, Role.nurse).json()["id"] == made["id"]
        assert _purge(tmp_path, datetime.now(UTC) + DAY + timedelta(minutes=5)).cleared["encounters"] == 1
    _verified(tmp_path)


def test_with_nothing_expired_a_purge_writes_nothing(keyed: Keyed) -> None:
    """Every hour the service purges, and most hours nothing has expired: it took the log's write
    lock for an empty transaction each time, waiting behind a writer that held it (and failing with
    database_busy when it held it long). Now it reads, and writes only when a key has expired."""
    path = keyed.folder / "clinic.db"
    writer = sqlite3.connect(path, isolation_level=None)
    db = Database(path)
    try:
        db.conn.execute("PRAGMA busy_timeout = 10")
        writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
        report = idempotency_keys.purge(db, now=datetime.now(UTC), retention=DAY)
        assert report.total == 0 and report.entries == 0
    finally:
        writer.rollback()
        writer.close()
        db.close()
