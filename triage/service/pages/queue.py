"""Staff screens: today's queue (page, live fragment, server-sent events) and the start page."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlite_utils import Database

from referral import queue as staff_queue
from triage.service.api.deps import runtime_of
from triage.service.auth import CLINICAL_READ, CLINICAL_WRITE, Principal, Role, allow, still_admitted
from triage.service.pages.basis import open_by_encounter
from triage.service.pages.forms import FormState, sent_back
from triage.service.pages.rendering import render

router = APIRouter()
Reader = Annotated[Principal, Depends(allow(*CLINICAL_READ))]


def queue_rows(request: Request, today: date) -> list[dict[str, Any]]:
    """The queue's rows of the clinic's day ``today``."""
    rt = runtime_of(request)
    db = rt.databases.get()
    rows = staff_queue.staff_queue(db, today)
    if not rows:
        return rows
    ids = [r["encounter_id"] for r in rows]
    marks = ",".join("?" * len(ids))
    latest: dict[int, str] = {}
    for encounter_id, status in db.conn.execute(
        f"SELECT encounter_id, status FROM referrals WHERE id IN (SELECT max(id) FROM referrals"
        f" WHERE encounter_id IN ({marks}) GROUP BY encounter_id)",
        ids,
    ):
        latest[int(encounter_id)] = str(status)
    # visits still open first (most urgent first, as the log orders them), then the closed ones:
    # a closed visit needs nobody now, however urgent its decision was
    rows.sort(key=lambda row: row["closed_at"] is not None)
    corrected = open_by_encounter(db, ids, rt.clock)  # referrals whose basis a device corrected, unreviewed
    partial = _news2_lower_bounds(db, [r["assessment_id"] for r in rows if r["news2"] is not None])
    unsure = _notes(db, [r["assessment_id"] for r in rows if r["disposition"] == "insufficient_data"])
    supporting = _supporting(db, [r["assessment_id"] for r in rows if r["red_flags"]])
    for row in rows:
        # a lower rule that only supports a more urgent one (triage.rule_precedence) is no reason
        # of its own: the short list names the rule whose action applies (the page says both)
        row["red_flags"] = [f for f in row["red_flags"] if f not in supporting.get(row["assessment_id"], ())]
        row["notes"] = unsure.get(row["assessment_id"], [])
        row["referral_status"] = latest.get(int(row["encounter_id"]))
        row["basis_changes"] = corrected.get(int(row["encounter_id"]), [])
        row["news2_at_least"] = row["assessment_id"] in partial
    return rows


#: How many days back the queue looks for visits nobody closed (the morning after a busy day)
EARLIER_DAYS = 7
#: At most this many such visits are listed (the count says how many there are)
EARLIER_LISTED = 20


def open_earlier(db: Database, today: date) -> tuple[list[dict[str, Any]], int]:
    """Visits of the ``EARLIER_DAYS`` days before ``today`` still open - nobody closed them at
    the end of their day, and today's queue no longer lists them - oldest first (at most
    ``EARLIER_LISTED``), and how many there are. Reads those days only (``encounters_day``)."""
    days = [(today - timedelta(days=EARLIER_DAYS)).isoformat(), today.isoformat()]
    where = " FROM encounters e WHERE e.day >= ? AND e.day < ? AND e.closed_at IS NULL"
    count = int(db.conn.execute("SELECT count(*)" + where, days).fetchone()[0])
    if not count:
        return [], 0
    rows = db.query(
        "SELECT e.id AS encounter_id, e.day, e.started_at, p.mrn, p.name"
        + where.replace(" WHERE", " JOIN patients p ON p.id = e.patient_id WHERE")
        + " ORDER BY e.day, e.started_at, e.id LIMIT ?",
        [*days, EARLIER_LISTED],
    )
    return list(rows), count


def queue_context(request: Request) -> dict[str, Any]:
    """What the queue (page and live fragment) shows: today's rows, and the earlier days' visits
    still open (:func:`open_earlier`), of one reading of the clinic's day: read for each, a page
    drawn as midnight passed listed the earlier days before the new day and today's rows of the
    new day, and a visit of the day just ended, still open, in neither."""
    rt = runtime_of(request)
    today = rt.clock.today()
    earlier, earlier_count = open_earlier(rt.databases.get(), today)
    return {
        "rows": queue_rows(request, today),
        "earlier": earlier,
        "earlier_count": earlier_count,
        "earlier_days": EARLIER_DAYS,
    }


def _notes(db: Any, assessment_ids: list[int]) -> dict[int, list[str]]:
    """The engine's notes of these assessments: why data is insufficient ("no decisive reading;
    measure at least one of ...", a child's vital signs NEWS2 does not score), which the queue's
    row says in its reasons' place - it has no red flag to show, and "Insufficient data" alone
    read as "measure more later" where the engine asks for a clinician now."""
    if not assessment_ids:
        return {}
    marks = ",".join("?" * len(assessment_ids))
    sql = f"SELECT id, json_extract(payload, '$.notes') FROM assessments WHERE id IN ({marks})"
    found: dict[int, list[str]] = {}
    for assessment_id, notes in db.conn.execute(sql, assessment_ids):
        listed = json.loads(notes) if notes else []
        found[int(assessment_id)] = [str(note) for note in listed if isinstance(note, str)]
    return found


def _supporting(db: Any, assessment_ids: list[int]) -> dict[int, set[str]]:
    """The rules of these assessments whose finding is supporting evidence for a more urgent rule
    that fired on the same readings (their values carry ``deferred_to``)."""
    if not assessment_ids:
        return {}
    marks = ",".join("?" * len(assessment_ids))
    sql = (
        "SELECT a.id, json_extract(r.value, '$.rule') FROM assessments a, json_each(a.payload, '$.reasons') r"
        f" WHERE a.id IN ({marks}) AND json_extract(r.value, '$.values.deferred_to') IS NOT NULL"
    )
    found: dict[int, set[str]] = {}
    for assessment_id, rule in db.conn.execute(sql, assessment_ids):
        found.setdefault(int(assessment_id), set()).add(str(rule))
    return found


def _news2_lower_bounds(db: Any, assessment_ids: list[int]) -> set[int]:
    """The assessments whose NEWS2 lacks items (a lower bound: the queue shows "≥5", as the
    patient page does)."""
    if not assessment_ids:
        return set()
    marks = ",".join("?" * len(assessment_ids))
    sql = (
        f"SELECT id FROM assessments WHERE id IN ({marks})"
        " AND json_extract(payload, '$.scores.news2.complete') = 0"
    )
    return {int(row[0]) for row in db.conn.execute(sql, assessment_ids)}


def home_for(principal: Principal) -> str:
    if principal.role in CLINICAL_READ:
        return "/queue"
    if principal.role is Role.integrator:
        return "/devices"
    return "/referrals"


@router.get("/")
def home(who: Annotated[Principal, Depends(allow(*tuple(Role)))]) -> Response:
    return RedirectResponse(home_for(who), status_code=303)


@router.get("/queue")
def queue_page(request: Request, who: Reader) -> Response:
    return show_queue(request, who)


def show_queue(
    request: Request, who: Principal, status_code: int = 200, forms: dict[str, FormState] | None = None
) -> Response:
    """The queue page; ``forms``: its walk-in form sent back with what was typed and its errors."""
    return render(
        request,
        "queue.html",
        who,
        status_code=status_code,
        page_path="/queue",  # where a language switch returns to (not the form's POST address)
        **queue_context(request),
        can_record=who.role in CLINICAL_WRITE,
        forms=sent_back(forms),
    )


@router.get("/queue/rows")
def queue_fragment(request: Request, who: Reader) -> Response:
    return render(request, "_queue.html", who, **queue_context(request))


@router.get("/events")
async def events(request: Request, who: Reader) -> StreamingResponse:
    rt = runtime_of(request)

    async def stream() -> Any:
        rt.metrics.sse_clients.inc()
        try:
            async for chunk in rt.hub.stream():
                if await request.is_disconnected():
                    break
                # a session that ended (logout, idle, disabled account) or an API token that
                # expired or was revoked hears nothing more: the stream ends, and the browser's
                # reconnection is sent to the login page (a token's: a 401 saying why)
                if not still_admitted(request, who):
                    break
                yield chunk
        finally:
            rt.metrics.sse_clients.dec()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
