"""Pooling: formats, validation, rejections by file, double exports, de-duplication."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics.reports.errors import ReportInputError
from analytics.reports.generate import GeneratorSpec, generate
from analytics.reports.pooling import pool
from analytics.reports.report import open_engine
from analytics.reports.schema import ENCOUNTER_TYPES, FORMAT_VERSION, SMALL_CELL
from referral import analytics_export

Generated = tuple[Path, dict[str, Any]]


def _first_export(generated: Generated) -> Path:
    return sorted(p for p in generated[0].iterdir() if p.is_dir())[0]


def test_contract_constants_match_the_producer() -> None:
    assert FORMAT_VERSION == analytics_export.FORMAT_VERSION
    assert SMALL_CELL == analytics_export.SMALL_CELL
    assert list(ENCOUNTER_TYPES) == [name for name, _ in analytics_export.ENCOUNTER_COLUMNS]


def test_pools_every_clinic_export(generated: Generated, tmp_path: Path) -> None:
    out, truth = generated
    pooled = pool([out], tmp_path)
    assert pooled.rows_pooled == pooled.rows_read == truth["rows"]
    assert len(pooled.sources) == truth["clinics"]
    assert pooled.rejections == []
    assert pooled.risk_columns == ["risk_cvd10"]
    assert pooled.synthetic
    assert pooled.facilities == truth["clinics"] + 6  # 3 hospitals in each of 2 regions


def _copy(export: Path, dest: Path) -> Path:
    shutil.copytree(export, dest)
    return dest


def _edit_manifest(folder: Path, **changes: Any) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_wrong_version_missing_column_and_double_export_are_named(
    generated: Generated, tmp_path: Path
) -> None:
    exports = sorted(p for p in generated[0].iterdir() if p.is_dir())
    old_version = _copy(exports[0], tmp_path / "old")
    _edit_manifest(old_version, format_version="clinic-triage-analytics/0")
    table = pq.read_table(exports[1] / "encounters.parquet")
    no_disposition = tmp_path / "no_disposition.parquet"
    pq.write_table(table.drop_columns(["disposition"]), no_disposition)
    again = _copy(exports[2], tmp_path / "again")
    _edit_manifest(again, exported_at="2030-01-01")
    pooled = pool([exports[2], exports[3], old_version, no_disposition, again], tmp_path / "work")
    reasons = {r.source: r.reason for r in pooled.rejections}
    assert (
        'format_version "clinic-triage-analytics/0" is not supported'
        in reasons[str(old_version / "manifest.json")]
    )
    assert reasons[str(no_disposition)] == "missing column(s): disposition"
    twice = reasons[str(exports[2] / "encounters.parquet")]
    assert "exported twice" in twice and str(again / "encounters.parquet") in twice
    expected = sum(pq.read_metadata(e / "encounters.parquet").num_rows for e in (exports[2], exports[3]))
    assert pooled.rows_pooled == expected


def test_a_file_of_another_type_and_an_export_of_another_clinic_are_named_as_json(
    generated: Generated, tmp_path: Path
) -> None:
    """The reasons quoted the suffix and the ids as Python reprs and lists ("['SYN-C01']")."""
    export = _copy(_first_export(generated), tmp_path / "other")
    clinic = json.loads((export / "manifest.json").read_text())["clinic_id"]
    _edit_manifest(export, clinic_id="SYN-OTHER")
    notes = tmp_path / "notes.txt"
    notes.write_text("not an export\n")
    pooled = pool([_first_export(generated), export, notes], tmp_path / "work")
    reasons = {r.source: r.reason for r in pooled.rejections}
    assert reasons[str(notes)] == 'unknown file type ".txt" (expected .parquet, .csv, .jsonl or .sqlite)'
    assert reasons[str(export / "encounters.parquet")] == (
        f'clinic_id values ["{clinic}"] differ from manifest clinic_id "SYN-OTHER"'
    )


def test_row_level_problems_are_counted_with_line_numbers(generated: Generated, tmp_path: Path) -> None:
    frame = pd.read_parquet(_first_export(generated) / "encounters.parquet").head(50)
    frame["encounter_day"] = frame["encounter_day"].astype(str)
    frame.loc[3, "disposition"] = "send_home"
    frame.loc[7, "encounter_day"] = "2024-13-45"
    frame.loc[9, "record_id"] = None
    duplicated = pd.concat([frame, frame.iloc[[10, 11]]])
    path = tmp_path / "rows.csv"
    duplicated.to_csv(path, index=False)
    pooled = pool([path], tmp_path / "work")
    by_reason = {r.reason.split(" (")[0]: r for r in pooled.rejections}
    assert by_reason["disposition outside the allowed values"].rows == 1
    assert "line 5" in by_reason["disposition outside the allowed values"].reason
    assert 'value "send_home")' in by_reason["disposition outside the allowed values"].reason
    assert "line 9" in by_reason["encounter_day is not a valid date"].reason
    assert by_reason["record_id is empty"].rows == 1
    assert by_reason["duplicate record_id, already pooled"].rows == 2
    assert pooled.rows_pooled == 50 - 3
    assert pooled.rows_read == 52


def test_tampered_table_and_interrupted_export_are_rejected(generated: Generated, tmp_path: Path) -> None:
    export = _copy(_first_export(generated), tmp_path / "tampered")
    with (export / "encounters.parquet").open("ab") as handle:
        handle.write(b"x")
    interrupted = tmp_path / "interrupted"
    interrupted.mkdir()
    (interrupted / "encounters.csv").write_text("a\n1\n")
    with pytest.raises(ReportInputError) as info:
        pool([export, interrupted], tmp_path / "work")
    assert "sha256 differs from manifest.json" in str(info.value)
    assert str(interrupted) in str(info.value)


def test_missing_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ReportInputError, match="no such file"):
        pool([tmp_path / "nope"], tmp_path / "work")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_jsonl_exports_pool_like_parquet(fmt: str, tmp_path: Path) -> None:
    spec = GeneratorSpec(clinics=3, rows=900, months=8, seed=3)
    generate(spec, tmp_path / "parquet")
    generate(GeneratorSpec(clinics=3, rows=900, months=8, seed=3, table_format=fmt), tmp_path / fmt)  # type: ignore[arg-type]
    sql = "SELECT * FROM encounters ORDER BY record_id"
    a = pool([tmp_path / "parquet"], tmp_path / "w1").con.execute(sql).df()
    b = pool([tmp_path / fmt], tmp_path / "w2").con.execute(sql).df()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_clinic_referral_log_is_exported_and_pooled(tmp_path: Path) -> None:
    from referral import facilities, store
    from referral.records import AssessmentIn, EncounterIn, PatientIn
    from referral.schema import connect

    db = connect(tmp_path / "clinic.db")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    for i in range(6):
        mrn = f"MRN-{i}"
        store.upsert_patient(db, PatientIn(mrn=mrn, name="Test Patient", sex="male"), actor="n", reason="r")
        enc = store.open_encounter(
            db,
            EncounterIn(patient_mrn=mrn, facility_id="ZJ-C01", started_at="2026-05-01T09:00:00+08:00"),
            actor="n",
            reason="v",
        )
        assessment = AssessmentIn.model_validate(
            {
                "disposition": "local_care",
                "target_tier": "primary",
                "policy_version": "p1",
                "engine_version": "0.1.0",
                "news2": i,
                "red_flags": [],
                "risks": {"cvd10": 0.05 * i},
                "payload": {},
            }
        )
        store.record_assessment(db, enc["id"], assessment, actor="engine", reason="triage")
    db.conn.close()
    pooled = pool([tmp_path / "clinic.db"], tmp_path / "work")
    assert pooled.rows_pooled == 6
    assert pooled.sources[0].label.endswith("clinic.db (exported)")
    assert pooled.con.execute("SELECT count(DISTINCT clinic_id) FROM encounters").fetchall() == [(1,)]


def test_facilities_file_wins_and_bad_rows_are_listed(generated: Generated, tmp_path: Path) -> None:
    directory = pd.read_parquet(_first_export(generated) / "facilities.parquet")
    directory.loc[directory["facility_id"] == "SYN-H11", "name"] = "Regional directory name"
    directory.loc[directory["facility_id"] == "SYN-H12", "tier"] = "quaternary"
    path = tmp_path / "directory.csv"
    directory.to_csv(path, index=False)
    pooled = pool([generated[0]], tmp_path / "work", facilities_file=path)
    names = dict(pooled.con.execute("SELECT facility_id, name FROM facilities").fetchall())
    assert names["SYN-H11"] == "Regional directory name"
    assert names["SYN-H12"] == "Synthetic secondary hospital 1.2"  # the override row was rejected
    bad = [r for r in pooled.rejections if r.source == str(path)]
    # the file, line, column and value, as every other rejection says them (it said only
    # 'facility rows without an id or with a tier outside ... (e.g. "SYN-H12")')
    line = int(directory.index[directory["facility_id"] == "SYN-H12"][0]) + 2
    assert [(r.reason, r.rows) for r in bad] == [
        (
            'facility "SYN-H12" has a tier outside primary/secondary/tertiary'
            f' (first at line {line}, column "tier", value withheld: one word of 10 lowercase letters,'
            " not one of its column's codes (it may be a name)); row left out",
            1,
        )
    ]
    with pytest.raises(ReportInputError, match=r"--facilities .*missing column"):
        pd.DataFrame({"facility_id": ["x"]}).to_csv(tmp_path / "thin.csv", index=False)
        pool([generated[0]], tmp_path / "work2", facilities_file=tmp_path / "thin.csv")


def test_empty_and_header_only_tables_say_so(generated: Generated, tmp_path: Path) -> None:
    # both used to read as "missing column(s): <every column>" (empty file) or to crash the report
    # with a traceback (header only: zero rows reached the H3 estimates)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header_only.csv"
    header_only.write_text(",".join(ENCOUNTER_TYPES) + "\n")
    with pytest.raises(ReportInputError) as info:
        pool([empty, header_only], tmp_path / "work")
    assert f"{empty}: empty file (0 bytes, not even a header row)" in str(info.value)
    assert f"{header_only}: no data rows" in str(info.value)
    pooled = pool([header_only, _first_export(generated)], tmp_path / "work2")
    assert [(r.source, r.reason) for r in pooled.rejections] == [
        (str(header_only), "no data rows (the table has its columns but no rows)")
    ]


def test_nothing_left_after_row_rejections_is_a_user_error(generated: Generated, tmp_path: Path) -> None:
    frame = pd.read_parquet(_first_export(generated) / "encounters.parquet").head(5)
    frame["disposition"] = "send_home"
    path = tmp_path / "all_bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ReportInputError, match=r"no encounter rows left .*all_bad.csv: disposition outside"):
        pool([path], tmp_path / "work")


def test_duplicate_record_id_names_the_line_and_the_id(generated: Generated, tmp_path: Path) -> None:
    frame = pd.read_parquet(_first_export(generated) / "encounters.parquet").head(20)
    path = tmp_path / "dup.csv"
    pd.concat([frame, frame.iloc[[4]]]).to_csv(path, index=False)
    pooled = pool([path], tmp_path / "work")
    (dup,) = pooled.rejections
    assert dup.reason == (
        f'duplicate record_id, already pooled (first at line 22, record_id "{frame["record_id"].iloc[4]}")'
    )


def test_facility_value_that_does_not_parse_is_listed_not_dropped_silently(
    generated: Generated, tmp_path: Path
) -> None:
    directory = pd.read_parquet(_first_export(generated) / "facilities.parquet").astype(str)
    directory.loc[1, "beds"] = "lots"
    path = tmp_path / "directory.csv"
    directory.to_csv(path, index=False)
    pooled = pool([generated[0]], tmp_path / "work", facilities_file=path)
    bad = [r for r in pooled.rejections if r.source == str(path)]
    assert [(r.reason, r.rows) for r in bad] == [
        (
            "facility beds is not a valid integer (first at line 3, value withheld: one word of 4 lowercase"
            " letters, not a code or a placeholder (it may be a name)); left empty",
            1,
        )
    ]
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ReportInputError, match=r"--facilities .*empty.csv: empty file"):
        pool([generated[0]], tmp_path / "work2", facilities_file=tmp_path / "empty.csv")
    with pytest.raises(
        ReportInputError, match=r"--facilities .*: a folder; give the facilities table file itself"
    ):
        pool([generated[0]], tmp_path / "work3", facilities_file=tmp_path)


def test_an_unknown_engine_is_quoted_as_json(generated: Generated, tmp_path: Path) -> None:
    pooled = pool([_first_export(generated)], tmp_path / "work")
    with pytest.raises(ReportInputError, match=r'^--engine "oracle": expected duckdb or spark$'):
        open_engine("oracle", pooled, tmp_path, print)


def test_a_csv_with_a_bad_row_is_rejected_naming_the_line_not_every_column(tmp_path: Path) -> None:
    """DuckDB's CSV sniffer, meeting one row with an extra field or an unclosed quote, took the
    header row for data and the table was rejected as "missing column(s): format_version,
    clinic_id, ... (every column)"; a facilities table in such an export crashed the run. The
    product's CSV dialect is now given, not sniffed, and the rejection names the line."""
    spec = GeneratorSpec(clinics=2, rows=300, months=8, seed=3, table_format="csv")
    generate(spec, tmp_path / "exports")
    first, second = sorted(p for p in (tmp_path / "exports").iterdir() if p.is_dir())
    extra = tmp_path / "extra.csv"
    lines = (first / "encounters.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    width = len(lines[0].split(","))
    extra.write_text("".join(lines[:4]) + lines[4].rstrip("\n") + ",surplus\n" + "".join(lines[5:]), "utf-8")
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text("".join(lines) + '"clinic-triage-analytics/1,SYN-C0001\n', "utf-8")
    after = tmp_path / "after.csv"
    after.write_text("".join(lines[:2]) + lines[2].replace('","', '"x,"', 1) + "".join(lines[3:]), "utf-8")
    facilities = second / "facilities.csv"
    rows = facilities.read_text(encoding="utf-8").splitlines(keepends=True)
    facilities.write_text(rows[0] + rows[1].rstrip("\n") + ",surplus\n" + "".join(rows[2:]), "utf-8")
    pooled = pool([extra, unclosed, after, second], tmp_path / "work")
    reasons = {r.source: r.reason for r in pooled.rejections}
    assert reasons[str(extra)] == (
        f'cannot read as csv: line 5: {width + 1} fields where the header row has {width} (its last, "risk_cvd10",'
        f" is spreadsheet column U): field {width + 1} (column V) has no column name; quote a value that holds"
        " a comma (the fields after it moved right)"
    )
    assert reasons[str(unclosed)] == (
        f'cannot read as csv: line {len(lines) + 1}, column "format_version": a quoted field (opened by ")'
        " is never closed"
    )
    assert reasons[str(after)] == (
        'cannot read as csv: line 3, column "format_version": a quoted field has text after its closing'
        ' quote; write a quote inside a quoted value as two ("")'
    )
    assert reasons[str(facilities)] == (
        "facilities table ignored: cannot read as csv: line 2: 11 fields where the header row has 10 (its last,"
        ' "digital_triage_start", is spreadsheet column J): field 11 (column K) has no column name; quote a'
        " value that holds a comma (the fields after it moved right)"
    )
    assert pooled.rows_pooled > 0  # the second clinic's encounters are pooled


def test_a_csv_separated_by_semicolons_or_with_a_short_row_says_so(tmp_path: Path) -> None:
    """A spreadsheet's export separated by ";" was rejected as "line 1: a quoted field has text
    after its closing quote", and a row missing two fields as DuckDB's "Error when sniffing file"."""
    spec = GeneratorSpec(clinics=1, rows=200, months=8, seed=3, table_format="csv")
    generate(spec, tmp_path / "exports")
    (export,) = (p for p in (tmp_path / "exports").iterdir() if p.is_dir())
    lines = (export / "encounters.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    width = len(lines[0].split(","))
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("".join(line.replace(",", ";") for line in lines), "utf-8")
    short = tmp_path / "short.csv"
    short.write_text("".join(lines[:4]) + lines[4].rsplit(",", 2)[0] + "\n" + "".join(lines[5:]), "utf-8")
    finder_reasons = {}
    for path in (semicolons, short):
        with pytest.raises(ReportInputError) as refused:  # no usable table left
            pool([path], tmp_path / f"work-{path.stem}")
        finder_reasons[path.name] = str(refused.value)
    assert finder_reasons["semicolons.csv"].endswith(
        'cannot read as csv: line 1: the header row is separated by ";", not by commas (it has no'
        " comma); save the file as comma-separated CSV)"
    )
    assert finder_reasons["short.csv"].endswith(
        f"cannot read as csv: line 5: {width - 2} fields where the header row has {width}: the row ends at"
        ' column "hours_to_arrival" (spreadsheet column S), with no field for "referral_justified" and'
        ' "risk_cvd10" (columns T-U); give every row a field for each column of the header (an empty field'
        " for a missing value))"
    )


def test_an_older_clinic_log_is_rejected_unchanged_not_upgraded(tmp_path: Path) -> None:
    """A regional report given a clinic's log from an older version migrated it for good (the
    clinic's previous version then refused it as too new); it is now a rejection that names the
    schema and changes nothing."""
    import hashlib
    import sqlite3

    dump = Path(__file__).parents[2] / "referral" / "data" / "log_0017.sql"
    log = tmp_path / "received" / "clinic.db"
    log.parent.mkdir()
    raw = sqlite3.connect(log)
    raw.executescript(dump.read_text(encoding="utf-8"))
    raw.close()

    def state() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(log.parent.iterdir())}

    before = state()
    with pytest.raises(ReportInputError) as refused:
        pool([log], tmp_path / "work")
    assert state() == before
    assert (
        f"{log}: cannot export this referral log: the referral log {log.resolve()} is at schema 17"
        " (0017_meter_operator_lists); this version needs"
    ) in str(refused.value)
    assert "nothing was changed" in str(refused.value)


def test_a_facility_row_without_an_id_names_its_line_and_column(generated: Generated, tmp_path: Path) -> None:
    directory = pd.read_parquet(_first_export(generated) / "facilities.parquet")
    directory.loc[2, "facility_id"] = None
    path = tmp_path / "directory.csv"
    directory.to_csv(path, index=False)
    pooled = pool([generated[0]], tmp_path / "work", facilities_file=path)
    assert [r.reason for r in pooled.rejections if r.source == str(path)] == [
        'facility rows without an id (first at line 4, column "facility_id" empty); row left out'
    ]
