"""The staff queue: one day's encounters with their latest assessment, most urgent first.

Fast at a million rows because it reads only one day through ``encounters_day`` and finds each
encounter's latest assessment and override through ``assessments_encounter`` /
``overrides_assessment`` (index-only ``max(id)`` look-ups), see ``bench/referral.py``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from sqlite_utils import Database

from referral.records import URGENCY_RANK

UNASSESSED_RANK = 5

_QUEUE_SQL = """
SELECT e.id AS encounter_id, e.started_at, e.age_years, e.facility_id, e.closed_at, e.closed_by,
       p.id AS patient_id, p.mrn, p.name, p.sex,
       a.id AS assessment_id, a.created_at AS assessed_at, a.disposition AS engine_disposition,
       a.news2, a.red_flags, a.target_tier, a.policy_version,
       o.disposition AS override_disposition, o.clinician AS override_by,
       coalesce(o.rank, a.urgency_rank, :unassessed) AS rank
FROM encounters e
JOIN patients p ON p.id = e.patient_id
LEFT JOIN assessments a
       ON a.id = (SELECT max(id) FROM assessments WHERE encounter_id = e.id)
LEFT JOIN (
    SELECT ov.id, ov.assessment_id, ov.disposition, ov.clinician,
           CASE ov.disposition {rank_cases} END AS rank
    FROM overrides ov
) o ON o.id = (SELECT max(id) FROM overrides WHERE assessment_id = a.id)
WHERE e.day = :day{state}
ORDER BY rank, e.started_at, e.id
LIMIT :limit OFFSET :offset
"""
_RANK_CASES = " ".join(f"WHEN '{d}' THEN {r}" for d, r in URGENCY_RANK.items())
#: Which encounters a queue lists: all of the day's, only those still open, or only closed ones
#: (``referral/closure.py``: the visit ended).
QueueState = Literal["all", "open", "closed"]
_STATE_SQL: dict[str, str] = {
    "all": "",
    "open": " AND e.closed_at IS NULL",
    "closed": " AND e.closed_at IS NOT NULL",
}


def staff_queue(
    db: Database, day: date, limit: int = 500, state: QueueState = "all", offset: int = 0
) -> list[dict[str, Any]]:
    """Encounters of ``day`` (the staff's: the clinic's today, :meth:`referral.clock.Clock.today`)
    with the final disposition shown; ``state`` keeps only the open or only the closed ones;
    ``offset`` skips the first (most urgent) ones."""
    target = day.isoformat()
    sql = _QUEUE_SQL.format(rank_cases=_RANK_CASES, state=_STATE_SQL[state])
    rows = db.query(sql, {"day": target, "limit": limit, "offset": offset, "unassessed": UNASSESSED_RANK})
    queue = []
    for row in rows:
        item = dict(row)
        item["red_flags"] = json.loads(row["red_flags"]) if row["red_flags"] else []
        item["disposition"] = row["override_disposition"] or row["engine_disposition"]
        item["overridden"] = row["override_disposition"] is not None
        queue.append(item)
    return queue


def queue_size(db: Database, day: date, state: QueueState = "all") -> int:
    """How many encounters :func:`staff_queue` lists for ``day`` over all its pages."""
    sql = "SELECT count(*) FROM encounters e WHERE e.day = ?" + _STATE_SQL[state]
    return int(db.conn.execute(sql, [day.isoformat()]).fetchone()[0])


_DECISIONS_SQL = """
SELECT e.id AS encounter_id, a.id AS assessment_id, a.created_at AS assessed_at,
       a.disposition AS engine_disposition,
       o.disposition AS override_disposition, o.created_at AS overridden_at
FROM encounters e
JOIN assessments a ON a.id = (SELECT max(id) FROM assessments WHERE encounter_id = e.id)
LEFT JOIN overrides o ON o.id = (SELECT max(id) FROM overrides WHERE assessment_id = a.id)
WHERE e.id IN (SELECT value FROM json_each(?))
"""


def latest_decisions(db: Database, encounter_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each encounter's latest decision, in one query for all of them (a list of visits read each
    one's assessment and override apart before): ``assessment_id``, ``disposition`` (a clinician's
    latest override of the latest assessment, else the engine's, as the queue and an encounter's
    ``final_disposition`` show it), ``decided_at`` (when that override or assessment was stored)
    and ``overridden``. An encounter never assessed is absent."""
    rows = db.conn.execute(_DECISIONS_SQL, [json.dumps(encounter_ids)]).fetchall()
    return {
        int(encounter_id): {
            "assessment_id": assessment_id,
            "disposition": override or engine,
            "decided_at": overridden_at if override is not None else assessed_at,
            "overridden": override is not None,
        }
        for encounter_id, assessment_id, assessed_at, engine, override, overridden_at in rows
    }
