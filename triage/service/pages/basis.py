"""Referrals whose basis a device corrected (``referral.basis``), on the staff pages: the warning on
the referral list, the patient page and the queue, and "reviewed, keep" on the patient page
(cancelling goes through the referral status form that is already there)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from referral import basis
from referral.basis import BasisChange
from referral.corrections import value_text
from triage.service.api.deps import RecordId, runtime_of
from triage.service.auth import CLINICIAN_ONLY, Principal, allow
from triage.service.pages.account import safe_next
from triage.service.pages.clock import local_time

router = APIRouter()
_VALUE = re.compile(r"([<>]?=?)([0-9.eE+-]+) ?(.*)")  # ">33.3 mmol/L": comparator, number, unit
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]


def shown(change: BasisChange, readings: Mapping[int, Reading] | None = None) -> dict[str, Any]:
    """A basis change for a page: the local time, the resolution, and ``old_reading`` and
    ``new_reading``, the stored readings the change names (``readings``, by correction) when they
    are known: the template shows them as the readings table does (``EngineText.change``: "28 ->
    8.2 mmol/L"), since the change keeps its values as they were written then (every digit of a
    conversion, the UCUM unit), unchanged. The template names the reading: ``name(code)``."""
    before, after = (readings or {}).get(change.correction_id, (None, None))
    return {
        **change.as_dict(),
        "old_reading": before if _same(before, change.old_value) else None,
        "new_reading": after if change.new_value is not None else None,
        "at": local_time(change.changed_at),
        "resolved_local": local_time(change.resolved_at) if change.resolved_at else None,
    }


Reading = tuple[dict[str, Any] | None, dict[str, Any] | None]


def _readings(db: Any, changes: Iterable[BasisChange]) -> dict[int, Reading]:
    """Each correction's stored readings: (the one it replaced, the one it stored)."""
    ids = sorted({c.correction_id for c in changes})
    if not ids:
        return {}
    rows = db.conn.execute(
        f"SELECT id, replaces_id, correction_id FROM observation_corrections WHERE id IN ({', '.join('?' * len(ids))})",
        ids,
    ).fetchall()
    wanted = sorted({i for _, *pair in rows for i in pair if i is not None})
    found = {
        int(r["id"]): r
        for r in (
            db.query(f"SELECT * FROM observations WHERE id IN ({', '.join('?' * len(wanted))})", wanted)
            if wanted
            else ()
        )
    }
    return {int(cid): (found.get(old), found.get(new)) for cid, old, new in rows}


def _same(row: Mapping[str, Any] | None, text: str) -> bool:
    """The stored reading is the one the referral's assessment used (``old_value``, as written
    then): same comparator, number and unit (a chain of corrections replaced another one)."""
    if row is None:
        return False
    found = _VALUE.fullmatch(text)
    if found is None or row.get("value_num") is None:
        return value_text(dict(row)) == text
    op, number, unit = found.groups()
    try:
        close = math.isclose(float(number), float(row["value_num"]), rel_tol=1e-9)
    except ValueError:
        return False
    return close and (op or None, unit) == (row.get("comparator"), row.get("unit") or "")


def by_referral(db: Any, referral_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each referral's basis changes for a page, oldest first."""
    found = basis.for_referrals(db, referral_ids)
    readings = _readings(db, [c for changes in found.values() for c in changes])
    return {rid: [shown(c, readings) for c in changes] for rid, changes in found.items()}


def open_by_encounter(db: Any, encounter_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The queue's warnings: each encounter's open basis changes."""
    found = basis.open_in_encounters(db, encounter_ids)
    readings = _readings(db, [c for changes in found.values() for c in changes])
    return {eid: [shown(c, readings) for c in changes] for eid, changes in found.items()}


@router.post("/referrals/{referral_id}/basis-review")
def review(
    request: Request,
    referral_id: RecordId,
    who: Clinician,
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=200)] = "/referrals",
) -> Response:
    """Reviewed, keep: the clinician keeps the referral and says why (audited)."""
    rt = runtime_of(request)
    db = rt.databases.get()
    changes = basis.acknowledge(db, referral_id, actor=who.username, reason=reason)
    rt.hub.publish("queue", encounter_id=changes[0].encounter_id, referral_id=referral_id)
    return RedirectResponse(safe_next(back), status_code=303)
