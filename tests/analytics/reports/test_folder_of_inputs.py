"""`triage report imbalance --input FOLDER` on a regional analyst's folder: the export folders
of the clinics, a clinic's referral log copied beside them, an export that lost its manifest (an
interrupted export, a copy of only its tables) and a table loose beside them. Only the export
folders were pooled: the log, the export without its manifest and the loose table were left out
without a word ("nothing rejected", a whole clinic missing from the report), and a folder of
referral logs alone was refused as "no export folders inside"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from analytics.reports.generate import GeneratorSpec, generate
from referral.analytics_export import export_analytics
from referral.schema import connect
from tests.analytics.reports.conftest import clinic_log, run_main


def _report(folder: Path, out: Path) -> dict[str, Any]:
    code, stdout, stderr = run_main(["report", "imbalance", "-i", str(folder), "-o", str(out), "--json"])
    assert code == 0, stderr
    return json.loads(stdout)


def test_what_a_folder_holds_beside_its_exports_is_pooled_or_rejected_never_dropped(tmp_path: Path) -> None:
    region = tmp_path / "region"
    generate(GeneratorSpec(clinics=3, rows=600, months=8, seed=3, table_format="csv"), region)
    (region / "SYN-C0002" / "manifest.json").unlink()  # an interrupted export
    shutil.copy(region / "SYN-C0003" / "encounters.csv", region / "from-a-colleague.csv")
    clinic_log(region / "zj-c01.db", patients=6)
    summary = _report(region, tmp_path / "report")
    rejections = {r["source"]: r["reason"] for r in summary["rejections"]}
    assert rejections == {
        str(region / "SYN-C0002"): "no manifest.json beside aggregates.csv, encounters.csv and facilities.csv"
        " (an interrupted export, or a copy without it): not pooled; export the clinic again, or copy the"
        " whole folder",
        str(
            region / "from-a-colleague.csv"
        ): "a table beside the export folders, not in one: not pooled; pass"
        f" it by name (--input {region / 'from-a-colleague.csv'}) to pool it, its provenance unknown without a"
        " manifest",
    }
    assert summary["files_rejected"] == 2
    assert summary["clinics"] == 3, summary["sources"]  # SYN-C0001, SYN-C0003 and the log's ZJ-C01
    sources = (tmp_path / "report" / "tables" / "sources.csv").read_text(encoding="utf-8")
    assert f"{region / 'zj-c01.db'} (exported)" in sources


def test_a_folder_of_clinic_referral_logs_is_pooled(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    clinic_log(logs / "zj-c01.sqlite", patients=7)
    summary = _report(logs, tmp_path / "report")
    assert summary["rows_pooled"] == 7 and summary["rejections"] == []


def test_a_clinic_whose_log_and_export_are_both_given_keeps_the_log_in_plain_words(tmp_path: Path) -> None:
    """The log wins (exported now), and the rejection of the other said "kept the later export
    region/zj-c01.db (exported) (exported 2026-12-07)", two brackets of the same word."""
    region = tmp_path / "region"
    region.mkdir()
    log = clinic_log(region / "zj-c01.db", patients=6)
    db = connect(log, migrate=False)
    try:
        export_analytics(db, region / "ZJ-C01-export")
    finally:
        db.close()
    summary = _report(region, tmp_path / "report")
    today = json.loads((region / "ZJ-C01-export" / "manifest.json").read_text(encoding="utf-8"))[
        "exported_at"
    ]
    assert [r["reason"] for r in summary["rejections"]] == [
        f"clinic ZJ-C01 exported twice: kept the later export, the referral log {log} (exported {today} for this"
        " report), skipped this one"
    ]


def test_a_referral_log_being_exported_for_the_report_is_said(tmp_path: Path) -> None:
    """Each clinic's referral log is exported before it is pooled, which takes minutes for a large
    log: after '... checking 2 input paths' the analyst saw nothing until the staging line."""
    logs = tmp_path / "logs"
    logs.mkdir()
    first, second = clinic_log(logs / "a.db", patients=2), clinic_log(logs / "b.sqlite", patients=3)
    code, _, stderr = run_main(
        ["report", "imbalance", "-i", str(first), "-i", str(second), "-o", str(tmp_path / "out")]
    )
    assert code == 0, stderr
    lines = stderr.splitlines()
    said = [i for i, line in enumerate(lines) if "exporting the referral log" in line]
    assert [lines[i] for i in said] == [
        f"... exporting the referral log {first} for this report",
        f"... exporting the referral log {second} for this report",
    ], stderr
    assert said[-1] < next(i for i, line in enumerate(lines) if "staging" in line)
    code, _, stderr = run_main(["report", "imbalance", "-i", str(first), "-o", str(tmp_path / "q"), "-q"])
    assert code == 0 and "exporting" not in stderr, stderr
