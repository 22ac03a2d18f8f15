"""The patient history stated for a visit (migration ``0015_encounter_context``).

A request that assesses an encounter may carry patient-context fields the log does not hold
(smoking, known diabetes, blood-pressure medicine, waist, family history ...). They are kept on the
encounter, merged over what was stated before (a field given again replaces the earlier answer;
``null`` records "not known"), in one audited transaction (``encounter.context``: which fields,
old and new values). Every later assessment of the encounter starts from them, so a re-assessment
after a device result does not silently drop the risk models that needed them.

The patient's identifier is never kept here (it comes from the log).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from referral import audit, store
from referral.transactions import write

NOT_KEPT = frozenset({"patient_id"})


def stated(encounter: Mapping[str, Any]) -> dict[str, Any]:
    """The history stated for this encounter so far (empty when none, or before migration 0015)."""
    text = encounter.get("context")
    return {} if not text else dict(json.loads(text))


def remember(db: Database, encounter_id: int, context: Mapping[str, Any], *, actor: str) -> dict[str, Any]:
    """Merge ``context`` into the encounter's stated history; audited when anything changed.
    Returns the history now in force."""
    given = {k: v for k, v in context.items() if k not in NOT_KEPT}

    def work(db: Database) -> dict[str, Any]:
        before = stated(store.get_encounter(db, encounter_id))
        changed = {k: v for k, v in given.items() if k not in before or before[k] != v}
        if not changed:
            return before
        after = {**before, **changed}
        db.conn.execute(
            "UPDATE encounters SET context = ? WHERE id = ?",
            [json.dumps(after, sort_keys=True, separators=(",", ":")), encounter_id],
        )
        audit.append(
            db,
            actor=actor,
            action="encounter.context",
            entity="encounter",
            entity_id=encounter_id,
            reason="patient history stated with an assessment",
            data={
                "fields": sorted(changed),
                "before": {k: before.get(k) for k in sorted(changed)},
                "after": {k: changed[k] for k in sorted(changed)},
            },
        )
        return after

    return write(db, work)
