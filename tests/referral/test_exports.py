"""Every export format is written and read back; the analytics export follows its contract."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlite_utils import Database

from referral import analytics_export, export, referrals, store
from referral.records import FeedbackIn, OverrideIn, ReferralIn
from referral.tables import TableFormat, sha256_file

from .conftest import visit

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "analytics-export.md"


@pytest.fixture
def filled(db: Database) -> Database:
    """12 visits on one day (ages 64), 3 on another; two referrals, one completed, one override."""
    for i in range(15):
        day = "2026-05-01" if i < 12 else "2026-05-02"
        assessment = visit(db, mrn=f"MRN-{i}", started_at=f"{day}T0{i % 10}:15:00+08:00")
        if i == 0:
            ref = referrals.create_referral(
                db,
                ReferralIn(
                    assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90"
                ),
                actor="dr_li",
            )
            for target in ("sent", "accepted", "arrived"):
                referrals.transition(db, ref["id"], target, actor="dr_li")
            referrals.transition(
                db, ref["id"], "completed", actor="hosp", feedback=FeedbackIn(justified=True, diagnosis="CAP")
            )
        if i == 1:
            referrals.create_referral(
                db,
                ReferralIn(
                    assessment_id=assessment["id"],
                    to_facility="ZJ-T01",
                    urgency="emergency",
                    reason="chest pain",
                ),
                actor="dr_li",
            )
        if i == 2:
            store.override_assessment(
                db,
                assessment["id"],
                OverrideIn(clinician="dr_li", disposition="local_care", reason="baseline SpO2"),
            )
    return db


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_referral_table_round_trip(filled: Database, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"referrals.{fmt}"
    assert export.export_referrals(filled, out, fmt) == 2  # type: ignore[arg-type]
    if fmt == "csv":
        frame = pd.read_csv(out)
    elif fmt == "parquet":
        frame = pd.read_parquet(out)
    else:
        frame = pd.read_json(out, lines=True)
    assert list(frame.columns) == [name for name, _ in export.REFERRAL_COLUMNS]
    first = frame.iloc[0]
    assert (first["status"], first["to_facility"], bool(first["justified"])) == ("completed", "ZJ-S01", True)
    assert frame.iloc[1]["status"] == "proposed"
    text = out.read_bytes()
    assert b"Test Patient" not in text and b"MRN-" not in text


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_fhir_service_requests(filled: Database, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"referrals{suffix}"
    assert export.export_fhir(filled, out) == 2
    if suffix == ".json":
        bundle = json.loads(out.read_text())
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
        resources = [e["resource"] for e in bundle["entry"]]
    else:
        resources = [json.loads(line) for line in out.read_text().splitlines()]
    done, emergency = resources
    assert done["resourceType"] == "ServiceRequest"
    assert (done["status"], done["intent"], done["priority"]) == ("completed", "order", "urgent")
    assert done["performer"] == [{"reference": "Organization/ZJ-S01"}]
    assert done["requester"] == {"reference": "Organization/ZJ-C01"}
    assert "diagnosis: CAP" in done["note"][0]["text"]
    assert (emergency["status"], emergency["intent"], emergency["priority"]) == ("draft", "proposal", "stat")
    assert "MRN-" not in out.read_text()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_analytics_export_reads_back_per_contract(filled: Database, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "export"
    manifest = analytics_export.export_analytics(filled, out, fmt)  # type: ignore[arg-type]
    stored = json.loads((out / "manifest.json").read_text())
    assert stored == manifest
    assert stored["format_version"] == "clinic-triage-analytics/1" and stored["synthetic"] is True
    assert stored["clinic_id"] == "ZJ-C01"
    for table in ("encounters", "facilities", "aggregates"):
        entry = stored["tables"][table]
        assert sha256_file(out / entry["file"]) == entry["sha256"]
    path = out / stored["tables"]["encounters"]["file"]
    if fmt == "parquet":
        frame = pq.read_table(path).to_pandas()
    elif fmt == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_json(path, lines=True, dtype=False)
    assert len(frame) == stored["tables"]["encounters"]["rows"] == 15
    contract = CONTRACT.read_text()
    for column in frame.columns:
        documented = column if not column.startswith("risk_") else "risk_cvd10"
        assert f"`{documented}`" in contract, f"column {column} is not in docs/analytics-export.md"
    assert set(frame["format_version"]) == {"clinic-triage-analytics/1"}
    assert frame["record_id"].str.fullmatch("[0-9a-f]{32}").all()
    assert frame["patient_pseudo_id"].str.fullmatch("[0-9a-f]{32}").all()
    assert set(frame["age_band"]) == {"65-74"}  # born 1960-02-03, seen May 2026: 66
    assert set(frame["encounter_day"].astype(str)) == {"2026-05-01", "2026-05-02"}
    assert set(frame["region_code"].astype(str)) == {"330122"}
    first = frame.iloc[0]
    assert str(first["referral_status"]) == "completed"
    overridden = frame.iloc[2]
    assert (overridden["disposition"], overridden["engine_disposition"]) == ("local_care", "urgent_referral")
    if fmt != "csv":
        assert first["hours_to_arrival"] >= 0.0 and bool(first["referral_justified"]) is True
        assert bool(overridden["overridden"]) is True and first["risk_cvd10"] == pytest.approx(0.21)
    facilities = out / stored["tables"]["facilities"]["file"]
    assert stored["tables"]["facilities"]["rows"] == 9 and facilities.exists()


def test_analytics_export_is_de_identified_and_suppresses_small_cells(
    filled: Database, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    analytics_export.export_analytics(filled, out, "jsonl")
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    for secret in (
        b"Test Patient",
        b"MRN-",
        b"1960-02-03",
        b"T09:15",
        b"SpO2 90",
        b"baseline SpO2",
        b"dr_li",
    ):
        assert secret not in blob, secret
    pseudo_secret = filled.execute("SELECT value FROM settings WHERE key = 'pseudonym_secret'").fetchone()[0]
    assert pseudo_secret.encode() not in blob
    with (out / "aggregates.csv").open() as handle:
        cells = list(csv.DictReader(handle))
    by_key = {(c["encounter_day"], c["disposition"]): c for c in cells}
    big = by_key[("2026-05-01", "urgent_referral")]
    assert (big["count"], big["suppressed"]) == ("11", "false")
    small = by_key[("2026-05-02", "urgent_referral")]
    assert (small["count"], small["suppressed"]) == ("", "true")
    assert by_key[("2026-05-01", "local_care")]["count"] == ""


def test_record_ids_are_stable_across_exports(filled: Database, tmp_path: Path) -> None:
    first = analytics_export.export_analytics(filled, tmp_path / "a", "csv")
    second = analytics_export.export_analytics(filled, tmp_path / "b", "csv")
    assert first["export_id"] != second["export_id"]
    assert (tmp_path / "a" / "encounters.csv").read_bytes() == (
        tmp_path / "b" / "encounters.csv"
    ).read_bytes()


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, "unknown"),
        (0, "0-17"),
        (17, "0-17"),
        (18, "18-34"),
        (44, "35-44"),
        (74, "65-74"),
        (75, "75+"),
        (130, "75+"),
    ],
)
def test_age_bands(age: int | None, band: str) -> None:
    assert analytics_export.age_band(age) == band


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_analytics_export_streams_in_batches(
    filled: Database, tmp_path: Path, fmt: TableFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = analytics_export.export_analytics(filled, tmp_path / "whole", fmt)
    monkeypatch.setattr(analytics_export, "BATCH", 4)
    seen: list[tuple[int, int]] = []
    batched = analytics_export.export_analytics(
        filled,
        tmp_path / "batched",
        fmt,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(4, 15), (8, 15), (12, 15), (15, 15)]
    for table in ("encounters", "facilities", "aggregates"):
        assert batched["tables"][table]["rows"] == whole["tables"][table]["rows"]
        if fmt != "parquet":  # parquet row groups differ, the rows do not
            assert batched["tables"][table]["sha256"] == whole["tables"][table]["sha256"]
    if fmt == "parquet":
        assert pq.read_table(tmp_path / "batched" / "encounters.parquet").equals(
            pq.read_table(tmp_path / "whole" / "encounters.parquet")
        )
    assert not list((tmp_path / "batched").glob("*.partial"))


def test_referral_export_batches_give_the_same_file(filled: Database, tmp_path: Path) -> None:
    assert export.export_referrals(filled, tmp_path / "one.csv", "csv", batch=1) == 2
    export.export_referrals(filled, tmp_path / "all.csv", "csv")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "all.csv").read_bytes()
