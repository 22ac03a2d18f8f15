"""The analyst's token (a hospital's or district system's sync client) read the staff's user names
(``created_by``, ``closed_by``) and the free text they wrote (a visit's ``close_reason``, a
referral's ``reason``) in the change feeds, the referrals and an assessment. Now each account is a
pseudonym (``staff-`` and 16 hex digits, the same for one account on every path) and the text is
null; the clinical roles read both as stored. Real uvicorn on a real SQLite file; every answer
checked against /openapi.json. The tests that read the visit read it from one service (:func:`visit`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlite_utils import Database

from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.api.analyst_view import StaffPseudonyms
from triage.service.auth import Role

CLOSE_REASON = "sent home; daughter (Li Na, 138-0000-0000) collects her"
REFERRAL_REASON = "SpO2 89 %, called Dr Wang at the county hospital"
PSEUDONYM = re.compile(r"staff-[0-9a-f]{16}")


class Sync:
    def __init__(self, base: str, tokens: dict[Role, str]) -> None:
        self.client = httpx.Client(
            base_url=base, timeout=60
        )  # (the first /openapi.json builds the document: seconds on a loaded machine)
        self.tokens = tokens
        self.document = self.client.get("/openapi.json").json()

    def call(self, method: str, path: str, role: Role, body: object = None) -> Any:
        answer = self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {self.tokens[role]}"}
        )
        conforms(self.document, answer)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def reads(self, role: Role, ids: dict[str, int]) -> dict[str, Any]:
        """Every analyst-readable view of the visit, its assessment and its referral, as ``role``."""
        get = lambda path: self.call("GET", path, role)  # noqa: E731
        return {
            "referral feed": get("/api/v1/changes/referrals?after=0")["data"][0]["referral"],
            "referral list": get("/api/v1/referrals")[0],
            "referral": get(f"/api/v1/referrals/{ids['referral']}"),
            "visit feed": get("/api/v1/changes/encounters?after=0")["data"][0]["encounter"],
            "assessment feed": get("/api/v1/changes/assessments?after=0")["data"][0]["assessment"],
            "assessment": get(f"/api/v1/assessments/{ids['assessment']}"),
        }


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of :func:`visit`'s log."""
    return tmp_path_factory.mktemp("analyst_view")


@pytest.fixture(scope="module")
def visit(folder: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[tuple[Sync, dict[str, int]]]:
    """A nurse's walk-in, a clinician's referral with its reason (sent), the visit closed by an admin:
    made once for the module's four readers (each made its own on a service of its own: a copy of
    the seeded log, create_app, uvicorn, /openapi.json, four writes), who only read it (GETs)."""
    tokens = copy_seeded(seeded, folder)
    with live_server(create_app(make_settings(folder))) as base:
        sync = Sync(base, tokens)
        walk_in = sync.call("POST", "/api/v1/assessments", Role.nurse, WALK_IN)
        referral = sync.call(
            "POST",
            "/api/v1/referrals",
            Role.clinician,
            {
                "assessment_id": walk_in["id"],
                "to_facility": "county-hospital",
                "urgency": "urgent",
                "reason": REFERRAL_REASON,
            },
        )
        encounter = walk_in["encounter_id"]
        # sent: a referral only proposed is none made, and the visit would not close over it
        sync.call("POST", f"/api/v1/referrals/{referral['id']}/status", Role.clinician, {"status": "sent"})
        sync.call("POST", f"/api/v1/encounters/{encounter}/close", Role.admin, {"reason": CLOSE_REASON})
        yield sync, {"assessment": walk_in["id"], "referral": referral["id"], "encounter": encounter}
        sync.client.close()


def test_the_analyst_reads_staff_pseudonyms_and_no_free_text(
    visit: tuple[Sync, dict[str, int]], folder: Path
) -> None:
    sync, ids = visit
    seen = sync.reads(Role.analyst, ids)
    db = Database(folder / "clinic.db")
    try:
        staff = StaffPseudonyms(db)
        nurse, clinician, admin = (staff.of(role.value) for role in (Role.nurse, Role.clinician, Role.admin))
    finally:
        db.close()
    assert len({nurse, clinician, admin}) == 3
    for name in (nurse, clinician, admin):
        assert name is not None and PSEUDONYM.fullmatch(name)
    for view in ("referral feed", "referral list", "referral"):
        assert seen[view]["created_by"] == clinician, view
        assert seen[view]["reason"] is None, view
    assert seen["visit feed"]["created_by"] == nurse
    assert seen["visit feed"]["closed_by"] == admin
    assert seen["visit feed"]["closed_at"] is not None and seen["visit feed"]["close_reason"] is None
    for view in ("assessment feed", "assessment"):
        assert seen[view]["created_by"] == nurse, view
    text = str(seen)
    for said in (CLOSE_REASON, REFERRAL_REASON, "'nurse'", "'clinician'", "'admin'"):
        assert said not in text


@pytest.mark.parametrize("role", [Role.clinician, Role.nurse, Role.admin])
def test_the_clinical_roles_read_the_names_and_the_text_as_stored(
    visit: tuple[Sync, dict[str, int]], role: Role
) -> None:
    sync, ids = visit
    seen = sync.reads(role, ids)
    for view in ("referral feed", "referral list", "referral"):
        assert seen[view]["created_by"] == "clinician" and seen[view]["reason"] == REFERRAL_REASON, view
    assert seen["visit feed"]["created_by"] == "nurse"
    assert seen["visit feed"]["closed_by"] == "admin" and seen["visit feed"]["close_reason"] == CLOSE_REASON
    for view in ("assessment feed", "assessment"):
        assert seen[view]["created_by"] == "nurse", view


def test_the_service_s_own_actors_keep_their_names_and_a_basis_review_is_redacted(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    copy_seeded(seeded, tmp_path)
    db = Database(tmp_path / "clinic.db")
    try:
        staff = StaffPseudonyms(db)  # (no secret yet: still a pseudonym, never the name)
        assert staff.of("device-gateway") == "device-gateway" and staff.of(None) is None
        review = {
            "id": 1,
            "resolved_by": "dr-wang",
            "resolution_reason": "reviewed with Mrs Li",
            "open": False,
        }
        shown = staff.row(review)
        assert PSEUDONYM.fullmatch(shown["resolved_by"]) and shown["resolution_reason"] is None
        assert shown["id"] == 1 and shown["open"] is False
    finally:
        db.close()
