"""Finding a patient by record number (``GET /patients?mrn=...``): the patient's visits, open and
closed, on any day, newest first, each with its decision and a link to its page - yesterday's
patient was on no page (the queue shows today's visits, the referrals page only those referred).
A text that is no record number lists the patients whose name holds it (``NAMED`` at most, their
latest visit first), each linked to its visits: a patient back without the card gives a name.
``SHOWN`` visits a page; "Older visits" pages on with the API's cursor, ``before_id`` (the visits
older than the last one listed: a visit opened meanwhile shifts no page)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlite_utils import Database

from referral import store
from referral.overrides import final_disposition
from triage.service.api.deps import runtime_of
from triage.service.api.paging import BeforeId
from triage.service.auth import CLINICAL_READ, Principal, allow
from triage.service.pages.rendering import render

router = APIRouter()
Reader = Annotated[Principal, Depends(allow(*CLINICAL_READ))]
#: the visits a page lists, newest first (as /api/v1/patients/{id}/encounters pages through them)
SHOWN = 50
#: the patients a name lists at most, their latest visit first
NAMED = 20


def named(db: Database, text: str) -> list[dict[str, Any]]:
    """The patients whose name holds ``text`` (SQLite's LIKE: Latin letters in any case, other
    characters as typed; ``%`` and ``_`` as themselves), their latest visit first, one more than
    ``NAMED`` (whether there are more)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        db.query(
            "SELECT p.mrn, p.name, p.sex, p.birth_date, e.started_at AS last_visit FROM patients p"
            " LEFT JOIN encounters e ON e.id = (SELECT max(x.id) FROM encounters x WHERE x.patient_id = p.id)"
            " WHERE p.name LIKE ? ESCAPE '\\' ORDER BY e.id IS NULL, e.id DESC, p.id DESC LIMIT ?",
            [pattern, NAMED + 1],
        )
    )


def _visits(db: Database, encounters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The visits a page lists, each with its decision (a clinician's override winning)."""
    visits = []
    for encounter in encounters:
        latest = next(
            db.query(
                "SELECT id, disposition FROM assessments WHERE encounter_id = ? ORDER BY id DESC LIMIT 1",
                [encounter["id"]],
            ),
            None,
        )
        decided = final_disposition(db, latest) if latest is not None else None
        visits.append({**encounter, "disposition": decided})
    return visits


def _newer(db: Database, patient_id: int, before_id: int) -> int:
    """How many of the patient's visits come before a page that starts under ``before_id``."""
    found = db.conn.execute(
        "SELECT count(*) FROM encounters WHERE patient_id = ? AND id >= ?", [patient_id, before_id]
    ).fetchone()
    return int(found[0])


@router.get("/patients")
def find_patient(
    request: Request,
    who: Reader,
    mrn: Annotated[str, Query(max_length=64)] = "",
    before_id: BeforeId = None,
) -> Response:
    wanted = mrn.strip()
    db = runtime_of(request).databases.get()
    patient = store.find_patient(db, wanted) if wanted else None
    address = f"/patients?mrn={quote(wanted)}" if wanted else "/patients"
    paged = before_id is not None and patient is not None  # a later page of the patient's visits
    page: dict[str, Any] = {"visits": [], "total": 0, "first": 0, "older": None}
    if patient is not None:
        patient_id = int(patient["id"])
        # one more than a page: whether there are older ones
        visits = store.patient_encounters(db, patient_id, limit=SHOWN + 1, before_id=before_id)
        page = {
            "visits": _visits(db, visits[:SHOWN]),
            "total": store.count_patient_encounters(db, patient_id),
            # the place of the page's first visit among all, newest first (1 on the first page)
            "first": 1 + (_newer(db, patient_id, before_id) if before_id is not None else 0),
            "older": f"{address}&before_id={visits[SHOWN - 1]['id']}" if len(visits) > SHOWN else None,
        }
    found_by_name = named(db, wanted) if wanted and patient is None else []
    return render(
        request,
        "patients.html",
        who,
        named=found_by_name[:NAMED],
        named_more=len(found_by_name) > NAMED,
        page_path=f"{address}&before_id={before_id}" if paged else address,
        mrn=wanted,
        patient=patient,
        newest=address if paged else None,
        **page,
    )
