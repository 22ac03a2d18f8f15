"""Exports of the referral log: referrals as CSV / Parquet / JSON lines, and as FHIR R4.

These exports are for the clinic and its referral partners. They carry the patient's
pseudonymous id, never the name or MRN. The de-identified regional analytics export is
:mod:`referral.analytics_export`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from referral import basis
from referral.basis import BasisChange
from referral.tables import ColumnType, TableFormat, TableWriter

REFERRAL_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("referral_id", "int"),
    ("status", "string"),
    ("urgency", "string"),
    ("from_facility", "string"),
    ("to_facility", "string"),
    ("reason", "string"),
    ("created_at", "string"),
    ("created_by", "string"),
    ("sent_at", "string"),
    ("accepted_at", "string"),
    ("arrived_at", "string"),
    ("completed_at", "string"),
    ("declined_at", "string"),
    ("cancelled_at", "string"),
    ("justified", "bool"),
    ("encounter_id", "int"),
    ("encounter_day", "date"),
    ("assessment_id", "int"),
    ("engine_disposition", "string"),
    ("news2", "int"),
    ("policy_version", "string"),
    ("patient_pseudo_id", "string"),
    ("basis_review_needed", "bool"),
    ("basis_corrected_at", "string"),
)

_REFERRAL_SQL = """
SELECT r.id AS referral_id, r.status, r.urgency, r.from_facility, r.to_facility, r.reason,
       r.created_at, r.created_by, r.sent_at, r.accepted_at, r.arrived_at, r.completed_at,
       r.declined_at, r.cancelled_at, r.justified, r.feedback, r.idempotency_key,
       r.encounter_id, e.day AS encounter_day, r.assessment_id,
       a.disposition AS engine_disposition, a.news2, a.policy_version,
       p.pseudo_id AS patient_pseudo_id,
       EXISTS (SELECT 1 FROM referral_basis_changes b WHERE b.referral_id = r.id AND b.resolved_at IS NULL)
           AS basis_review_needed,
       (SELECT max(b.changed_at) FROM referral_basis_changes b WHERE b.referral_id = r.id) AS basis_corrected_at
FROM referrals r
JOIN encounters e ON e.id = r.encounter_id
JOIN assessments a ON a.id = r.assessment_id
JOIN patients p ON p.id = e.patient_id
ORDER BY r.id
"""


def referral_rows(db: Database) -> Iterator[dict[str, Any]]:
    """Every referral with its encounter day, engine disposition and pseudonymous patient id, and
    whether a device corrected its basis (``basis_corrected_at``: the latest such correction;
    ``basis_review_needed``: one nobody has reviewed yet, ``referral.basis``)."""
    for row in db.query(_REFERRAL_SQL):
        item = dict(row)
        item["justified"] = None if row["justified"] is None else bool(row["justified"])
        item["basis_review_needed"] = bool(row["basis_review_needed"])
        yield item


def export_referrals(db: Database, out: Path, table_format: TableFormat, batch: int = 20_000) -> int:
    """Stream the referral table to ``out`` in batches; returns the row count."""
    writer = TableWriter(out, REFERRAL_COLUMNS, table_format)
    try:
        rows: list[dict[str, Any]] = []
        for row in referral_rows(db):
            rows.append(row)
            if len(rows) == batch:
                writer.write(rows)
                rows = []
        writer.write(rows)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


# --- FHIR R4 ----------------------------------------------------------------------------------

FHIR_STATUS = {
    "proposed": "draft",
    "sent": "active",
    "accepted": "active",
    "arrived": "active",
    "completed": "completed",
    "declined": "revoked",
    "cancelled": "revoked",
}
FHIR_PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
LIFECYCLE_EXTENSION = "https://clinic-triage.example/fhir/StructureDefinition/referral-lifecycle-status"
IDENTIFIER_SYSTEM = "https://clinic-triage.example/fhir/referral-id"
PSEUDONYM_SYSTEM = "https://clinic-triage.example/fhir/patient-pseudo-id"
SNOMED = "http://snomed.info/sct"


def basis_note(change: BasisChange, readings: basis.Readings = (None, None)) -> dict[str, Any]:
    """A FHIR ``Annotation`` saying that a device corrected the referral's basis, and its review;
    a value received in another unit with the value as reported (``readings``)."""
    return {"text": f"basis corrected by a device: {change.summary(readings)}", "time": change.changed_at}


def service_request(
    row: dict[str, Any],
    basis_changes: list[BasisChange] | None = None,
    readings: Mapping[int, basis.Readings] | None = None,
) -> dict[str, Any]:
    """One referral as a FHIR R4 ``ServiceRequest`` resource; each device correction of its basis
    is a ``note`` (``readings``: the stored readings each names, ``referral.basis.readings``)."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": f"referral-{row['referral_id']}",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": str(row["referral_id"])}],
        "status": FHIR_STATUS[row["status"]],
        "intent": "proposal" if row["status"] == "proposed" else "order",
        "category": [{"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}],
        "priority": FHIR_PRIORITY[row["urgency"]],
        "code": {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]},
        "subject": {"identifier": {"system": PSEUDONYM_SYSTEM, "value": row["patient_pseudo_id"]}},
        "encounter": {"reference": f"Encounter/{row['encounter_id']}"},
        "authoredOn": row["created_at"],
        "requester": {"reference": f"Organization/{row['from_facility']}"}
        if row["from_facility"]
        else {"display": row["created_by"]},
        "performer": [{"reference": f"Organization/{row['to_facility']}"}],
        "reasonCode": [{"text": row["reason"]}],
        "extension": [{"url": LIFECYCLE_EXTENSION, "valueCode": row["status"]}],
    }
    if row["status"] == "completed" and row.get("feedback"):
        feedback = json.loads(row["feedback"])
        text = f"justified: {'yes' if feedback['justified'] else 'no'}"
        if feedback.get("diagnosis"):
            text += f"; diagnosis: {feedback['diagnosis']}"
        resource["note"] = [{"text": text, "time": row["completed_at"]}]
    if basis_changes:
        named = readings or {}
        resource["note"] = resource.get("note", []) + [
            basis_note(c, named.get(c.id, (None, None))) for c in basis_changes
        ]
    return resource


def fhir_bundle(db: Database) -> dict[str, Any]:
    changes = basis.for_referrals(db)
    readings = basis.readings(db, [c for found in changes.values() for c in found])
    entries = [
        {
            "fullUrl": f"urn:clinic-triage:referral:{row['referral_id']}",
            "resource": service_request(row, changes.get(int(row["referral_id"])), readings),
        }
        for row in referral_rows(db)
    ]
    return {"resourceType": "Bundle", "type": "collection", "total": len(entries), "entry": entries}


def export_fhir(db: Database, out: Path) -> int:
    """Write a FHIR R4 ``Bundle`` (type ``collection``) of ServiceRequests; ``.ndjson`` paths get
    one resource per line instead (FHIR bulk-data style)."""
    bundle = fhir_bundle(db)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    if out.suffix == ".ndjson":
        lines = (json.dumps(e["resource"], ensure_ascii=False) for e in bundle["entry"])
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    else:
        tmp.write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out)
    return int(bundle["total"])
