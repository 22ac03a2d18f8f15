"""The de-identified analytics export, format ``clinic-triage-analytics/1``.

This module implements ``docs/analytics-export.md`` exactly (that document is the contract with
``analytics/``; change both in one commit). De-identification: no names, MRNs or free text; the
patient and the encounter appear only as HMAC pseudonyms (the secret never leaves the clinic);
ages in bands; dates cut to the day; aggregate cells under 5 suppressed.
"""

from __future__ import annotations

import csv
import json
import shlex
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from referral.clinic import SECRET_KEY, clinic_id, get_setting, pseudonym
from referral.csvcells import unguarded
from referral.errors import IntegrityError
from referral.plurals import counted
from referral.tables import ColumnType, TableFormat, TableWriter, sha256_file
from referral.transactions import db_path
from referral.value_sets import RISK_MODELS_LABEL

FORMAT_VERSION = "clinic-triage-analytics/1"
SMALL_CELL = 5
BATCH = 20_000
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "0-17"),
    (18, 34, "18-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 74, "65-74"),
    (75, None, "75+"),
)
UNKNOWN_AGE = "unknown"

ENCOUNTER_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("format_version", "string"),
    ("clinic_id", "string"),
    ("record_id", "string"),
    ("patient_pseudo_id", "string"),
    ("age_band", "string"),
    ("sex", "string"),
    ("region_code", "string"),
    ("encounter_day", "date"),
    ("digital_triage", "bool"),
    ("disposition", "string"),
    ("engine_disposition", "string"),
    ("overridden", "bool"),
    ("news2", "int"),
    ("red_flags", "string"),
    ("policy_version", "string"),
    ("referral_status", "string"),
    ("referral_urgency", "string"),
    ("referral_to", "string"),
    ("hours_to_arrival", "float"),
    ("referral_justified", "bool"),
)
FACILITY_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("format_version", "string"),
    ("facility_id", "string"),
    ("name", "string"),
    ("tier", "string"),
    ("region_code", "string"),
    ("lon", "float"),
    ("lat", "float"),
    ("beds", "int"),
    ("capacity", "int"),
    ("digital_triage_start", "date"),
)
AGGREGATE_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("format_version", "string"),
    ("encounter_day", "date"),
    ("age_band", "string"),
    ("sex", "string"),
    ("disposition", "string"),
    ("count", "int"),
    ("suppressed", "bool"),
)

_ENCOUNTER_SQL = """
SELECT e.id AS encounter_id, e.facility_id, e.day, e.age_years,
       p.sex, p.pseudo_id, f.region_code,
       a.disposition AS engine_disposition, a.news2, a.red_flags, a.risks, a.policy_version,
       a.digital,
       (SELECT o.disposition FROM overrides o WHERE o.assessment_id = a.id
        ORDER BY o.id DESC LIMIT 1) AS override_disposition,
       r.status AS referral_status, r.urgency AS referral_urgency, r.to_facility AS referral_to,
       r.arrived_at, r.justified AS referral_justified,
       (SELECT created_at FROM assessments WHERE id = r.assessment_id) AS referred_assessment_at
FROM encounters e
JOIN patients p ON p.id = e.patient_id
JOIN assessments a ON a.id = (SELECT max(id) FROM assessments WHERE encounter_id = e.id)
LEFT JOIN facilities f ON f.id = e.facility_id
LEFT JOIN referrals r ON r.id = (SELECT max(id) FROM referrals WHERE encounter_id = e.id)
ORDER BY e.id
"""


def age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN_AGE
    for low, high, label in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return UNKNOWN_AGE


def _hours(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return round(delta.total_seconds() / 3600, 1)


# each model's probability in the latest assessment of every encounter (the exported one)
_LATEST_RISKS = (
    " FROM encounters e"
    " JOIN assessments a ON a.id = (SELECT max(id) FROM assessments WHERE encounter_id = e.id),"
    " json_each(a.risks) j"
)


def risk_models(db: Database) -> list[str]:
    """Model names found in the risks of any exported (latest) assessment, sorted."""
    rows = db.conn.execute(f"SELECT DISTINCT j.key{_LATEST_RISKS} ORDER BY 1")
    return [str(row[0]) for row in rows]


def risk_models_entry(db: Database) -> dict[str, Any] | None:
    """The manifest's ``risk_models``: the label of the ``risk_<model>`` columns and, per model,
    the versions that scored the exported (latest) assessments; ``None`` when there are none."""
    version = "json_extract(a.model_versions, '$.\"' || j.key || '\"')"
    rows = db.conn.execute(f"SELECT DISTINCT j.key, {version}{_LATEST_RISKS} ORDER BY 1, 2").fetchall()
    if not rows:
        return None
    models: dict[str, Any] = {}
    for name, version in rows:
        entry = models.setdefault(str(name), {"column": f"risk_{name}", "versions": []})
        if version is not None:
            entry["versions"].append(str(version))
    return {"label": RISK_MODELS_LABEL, "models": models}


def encounter_rows(db: Database, secret: bytes, clinic: str) -> Iterator[dict[str, Any]]:
    """One de-identified row per assessed encounter, in encounter order (streamed)."""
    clinic_region = db.conn.execute("SELECT region_code FROM facilities WHERE id = ?", [clinic]).fetchone()
    for raw in db.query(_ENCOUNTER_SQL):
        final = raw["override_disposition"] or raw["engine_disposition"]
        row: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "clinic_id": raw["facility_id"] or clinic,
            "record_id": pseudonym(secret, "encounter", raw["encounter_id"]),
            "patient_pseudo_id": raw["pseudo_id"],
            "age_band": age_band(raw["age_years"]),
            "sex": raw["sex"],
            "region_code": raw["region_code"] or (clinic_region[0] if clinic_region else None),
            "encounter_day": raw["day"],
            "digital_triage": bool(raw["digital"]),
            "disposition": final,
            "engine_disposition": raw["engine_disposition"],
            "overridden": raw["override_disposition"] is not None,
            "news2": raw["news2"],
            "red_flags": ";".join(json.loads(raw["red_flags"])),
            "policy_version": raw["policy_version"],
            "referral_status": raw["referral_status"],
            "referral_urgency": raw["referral_urgency"],
            "referral_to": raw["referral_to"],
            "hours_to_arrival": _hours(raw["referred_assessment_at"], raw["arrived_at"]),
            "referral_justified": None
            if raw["referral_justified"] is None
            else bool(raw["referral_justified"]),
        }
        risks = json.loads(raw["risks"])
        row.update({f"risk_{name}": float(value) for name, value in risks.items()})
        yield row


def aggregate_rows(counts: Counter[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """Cells keyed (encounter_day, age_band, sex, disposition); counts under 5 suppressed."""
    rows = []
    for (day, band, sex, disposition), count in sorted(counts.items()):
        small = count < SMALL_CELL
        rows.append(
            {
                "format_version": FORMAT_VERSION,
                "encounter_day": day,
                "age_band": band,
                "sex": sex,
                "disposition": disposition,
                "count": None if small else count,
                "suppressed": small,
            }
        )
    return rows


def facility_rows(db: Database) -> tuple[list[dict[str, Any]], bool]:
    rows = []
    synthetic = False
    for raw in db.query("SELECT * FROM facilities ORDER BY id"):
        synthetic = synthetic or bool(raw["synthetic"])
        rows.append(
            {"format_version": FORMAT_VERSION, "facility_id": raw["id"]}
            | {name: raw[name] for name, _ in FACILITY_COLUMNS[2:]}
        )
    return rows, synthetic


def _stored_secret(db: Database, encounters: int) -> bytes:
    """The clinic's pseudonym secret, read and never written: exports open the log read-only.

    The first patient stored creates it (``referral.store``), so a log without one has no
    encounter to pseudonymise and an export of it is empty. One that holds assessed encounters
    but no secret lost it (its ``settings`` row deleted): a new secret would give every encounter
    another ``record_id`` than earlier exports did, so that is refused.
    """
    stored = get_setting(db, SECRET_KEY)
    if stored is not None:
        return bytes.fromhex(stored)
    if encounters == 0:
        return b""  # nothing to pseudonymise
    path = db_path(db)
    raise IntegrityError(
        f"the referral log {path} holds {counted(encounters, 'assessed encounters')} but no pseudonym secret"
        f" (settings key {SECRET_KEY!r}), so their record ids cannot be made and nothing was"
        f" exported; `triage referrals verify-audit --db {shlex.quote(path)}` shows what was changed"
        " - restore the log from a backup (a new secret would give these encounters other record ids"
        " than earlier exports did)"
    )


def export_analytics(
    db: Database,
    out_dir: Path,
    table_format: TableFormat = "parquet",
    *,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write the export folder (tables first, ``manifest.json`` last) and return the manifest.

    Encounters are streamed in batches of :data:`BATCH` rows, so memory stays flat however
    large the log is; ``progress(done, total)`` is called after each batch.
    """
    clinic = clinic_id(db)
    total = int(db.conn.execute("SELECT count(DISTINCT encounter_id) FROM assessments").fetchone()[0])
    secret = _stored_secret(db, total)
    risk_columns: list[tuple[str, ColumnType]] = [(f"risk_{m}", "float") for m in risk_models(db)]
    out_dir.mkdir(parents=True, exist_ok=True)
    tables: dict[str, Any] = {}

    def finish(name: str, writer: TableWriter) -> None:
        count = writer.close()
        tables[name] = {"file": writer.path.name, "rows": count, "sha256": sha256_file(writer.path)}

    encounters = TableWriter(
        out_dir / f"encounters.{table_format}", [*ENCOUNTER_COLUMNS, *risk_columns], table_format
    )
    counts: Counter[tuple[str, str, str, str]] = Counter()
    try:
        batch: list[dict[str, Any]] = []
        for row in encounter_rows(db, secret, clinic):
            counts[(row["encounter_day"], row["age_band"], row["sex"], row["disposition"])] += 1
            batch.append(row)
            if len(batch) == BATCH:
                encounters.write(batch)
                batch = []
                if progress is not None:
                    progress(encounters.rows, total)
        encounters.write(batch)
    except BaseException:
        encounters.abort()
        raise
    finish("encounters", encounters)
    if progress is not None:
        progress(encounters.rows, total)
    facilities, synthetic = facility_rows(db)
    for name, rows, columns, fmt in (
        ("facilities", facilities, FACILITY_COLUMNS, table_format),
        ("aggregates", aggregate_rows(counts), AGGREGATE_COLUMNS, "csv"),
    ):
        writer = TableWriter(out_dir / f"{name}.{fmt}", columns, fmt)
        writer.write(rows)
        finish(name, writer)
    manifest = {
        "format_version": FORMAT_VERSION,
        "clinic_id": clinic,
        "export_id": uuid.uuid4().hex,
        "exported_at": (today or datetime.now(UTC).date()).isoformat(),
        "synthetic": synthetic,
        "tables": tables,
    }
    risk_entry = risk_models_entry(db)
    if risk_entry is not None:
        manifest["risk_models"] = risk_entry
    tmp = out_dir / "manifest.json.partial"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out_dir / "manifest.json")
    return manifest


def read_aggregates(path: Path) -> list[dict[str, str]]:
    """The rows of an export's ``aggregates.csv`` as text, each cell as it was before the CSV's
    formula guard (:mod:`referral.csvcells`)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [{name: unguarded(cell) for name, cell in row.items()} for row in csv.DictReader(handle)]
