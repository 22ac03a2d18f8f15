"""Finding and checking the inputs of a pooled report (file level).

An input path is one of: an export folder (``manifest.json`` + tables), a folder holding export
folders (e.g. ``triage report generate`` output) and clinic referral logs, a single encounters table (``.parquet``,
``.csv``, ``.jsonl``/``.json``) or a clinic's SQLite referral log (``.sqlite``, ``.sqlite3``,
``.db``), which is exported through ``referral.analytics_export`` first. Every problem becomes a
:class:`Rejection` naming the file; nothing is dropped without one.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from analytics.csvfiles import csv_problem, first_not_utf8
from analytics.reports.errors import ReportInputError
from analytics.reports.schema import ENCOUNTER_TYPES, FACILITY_TYPES, FORMAT_VERSION, RISK_PREFIX
from analytics.reports.withheld import near_code
from referral.csvcells import GUARDED_SQL
from referral.errors import json_text
from referral.plurals import listed

TABLE_SUFFIXES = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
}
SQLITE_SUFFIXES = {".sqlite", ".sqlite3", ".db"}
#: After a clinic referral log's path, as its source is named: exported to be read.
LOG_EXPORTED = " (exported)"


def missing_columns(missing: list[str], present: Any) -> str:
    """The missing columns, each with the column of the file that is the same name in other case
    or spacing (``Beds``, ``Facility ID``: a spreadsheet's header), which the reader does not take
    as it: "missing column(s) beds" beside a "Beds" column said nothing of the fix; else with a
    column of the file that no export has and is a typo of it (``dispositon``, ``hours_to_arival``:
    one edit, two from a name of 6 characters or more), which had gone unnamed."""

    def key(name: str) -> str:
        return "".join(ch for ch in name.lower() if ch.isalnum())

    spelled = {key(str(c)): str(c) for c in present}
    unknown = [str(c) for c in present if str(c) not in _KNOWN_COLUMNS and not str(c).startswith(RISK_PREFIX)]
    said = []
    for column in missing:
        other = spelled.get(key(column)) or next((c for c in unknown if near_code(key(c), [column])), None)
        said.append(f"{column} (the file has {json_text(other)}: rename it)" if other else column)
        if other in unknown:
            unknown.remove(other)
    if unknown and any("(the file has" not in column for column in said):
        others = listed(
            [json_text(c) for c in unknown[:5]] + ([f"{len(unknown) - 5} more"] if len(unknown) > 5 else [])
        )
        return f"{', '.join(said)}; the file's columns no export has: {others}"
    return ", ".join(said)


@dataclass
class Rejection:
    source: str
    reason: str
    rows: int | None = None
    """Rows affected (None: the whole file)."""
    table: str = "encounters"
    """The kind of input file: ``encounters`` or ``facilities``."""
    rows_kept: bool = False
    """The rows stay pooled with the value left empty (a facility value that does not parse)."""


@dataclass
class Source:
    """One encounters table that passed the file-level checks."""

    label: str
    encounters: Path
    fmt: str
    clinic_ids: list[str]
    exported_at: str = ""
    facilities: Path | None = None
    facilities_fmt: str = ""
    risk_columns: list[str] = field(default_factory=list)
    synthetic: bool | None = False
    """The manifest's ``synthetic`` flag; ``None`` for a table without a manifest (provenance
    unknown: the rows themselves do not say whether they are real or SYNTHETIC)."""
    columns: dict[str, str] = field(default_factory=dict)


#: Every column an analytics export has (a file's column that is one of them is no typo).
_KNOWN_COLUMNS = frozenset(ENCOUNTER_TYPES) | frozenset(FACILITY_TYPES) | {"format_version"}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


#: Every column of a CSV scan with the formula guard taken off (referral.csvcells).
_UNGUARDED = (
    f"CASE WHEN regexp_matches(COLUMNS(*), {_sql_text(GUARDED_SQL)})"
    " THEN substr(COLUMNS(*), 2) ELSE COLUMNS(*) END"
)


def scan_sql(path: Path, fmt: str) -> str:
    """A DuckDB table function reading ``path`` with every column as read from the file (a CSV's
    text cells without the guard quote the product's CSV writers put before a formula-like text)."""
    quoted = _sql_text(str(path))
    if fmt == "parquet":
        return f"read_parquet({quoted})"
    if fmt == "csv":
        # the product's dialect, not sniffed: a sniffer that met one row with an extra field or an
        # unclosed quote took the header row for data and reported every column missing
        scan = (
            f"read_csv({quoted}, header = true, all_varchar = true, sample_size = -1, delim = ',',"
            """ quote = '"', escape = '"')"""
        )
        return f"(SELECT {_UNGUARDED} FROM {scan})"
    return f"read_json({quoted}, format = 'newline_delimited', sample_size = -1)"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _columns(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {scan_sql(path, fmt)}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def unreadable(exc: duckdb.Error, path: Path, fmt: str) -> str:
    """Why DuckDB cannot read ``path``, in one line: for a CSV the line and what is wrong
    (:func:`analytics.csvfiles.csv_problem`), else DuckDB's first line; a file not in UTF-8 says
    how to fix it."""
    why = (csv_problem(path) if fmt == "csv" else None) or str(exc).splitlines()[0]
    if "not utf-8" in str(exc).lower():
        where = first_not_utf8(path)
        why = f"{where}; save it as UTF-8" if where else f"{why}; the file is not UTF-8, save it as UTF-8"
    return f"cannot read as {fmt}: {why}"


def _listed_in_manifest(table: Path) -> bool:
    """Whether ``table`` is the encounters table its folder's ``manifest.json`` lists."""
    try:
        manifest = json.loads((table.parent / "manifest.json").read_text(encoding="utf-8"))
        return bool(manifest["tables"]["encounters"]["file"] == table.name)
    except (OSError, ValueError, KeyError, TypeError):
        return False


#: The files an analytics export writes beside its manifest (referral.analytics_export).
_EXPORT_TABLES = ("encounters", "facilities", "aggregates")


def _export_tables_in(folder: Path) -> list[str]:
    """The names of the export tables in ``folder`` (``encounters.parquet``, ``aggregates.csv``)."""
    return sorted(
        p.name for p in folder.iterdir() if p.stem in _EXPORT_TABLES and p.suffix.lower() in TABLE_SUFFIXES
    )


class SourceFinder:
    """Walks the input paths, checks them, and collects accepted sources and rejections."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, work: Path, say: Callable[[str], None] | None = None
    ) -> None:
        self.con = con
        self.work = work
        # progress: a clinic's referral log is exported before it is pooled (seconds to minutes)
        self.say = say or (lambda _msg: None)
        self.sources: list[Source] = []
        self.rejections: list[Rejection] = []

    def add(self, path: Path) -> None:
        if not path.exists():
            raise ReportInputError(f"{path}: no such file or folder")
        if path.is_dir():
            if (path / "manifest.json").exists():
                self._export_folder(path)
                return
            self._folder(path)
            return
        suffix = path.suffix.lower()
        if suffix in SQLITE_SUFFIXES:
            self._clinic_database(path)
        elif suffix in TABLE_SUFFIXES:
            if _listed_in_manifest(path):
                self._export_folder(path.parent)  # a table of an export folder: read with its manifest
            else:
                self._table(path, TABLE_SUFFIXES[suffix], str(path), None)
        else:
            self.rejections.append(
                Rejection(
                    str(path),
                    f"unknown file type {json_text(suffix)} (expected .parquet, .csv, .jsonl or .sqlite)",
                )
            )

    def _folder(self, path: Path) -> None:
        """A folder without a manifest: the export folders and clinic referral logs in it are pooled,
        and what else in it looks like data is a rejection - a subfolder holding an export's tables
        without ``manifest.json`` (an interrupted export or a copy that lost it), an encounters table
        loose beside them (pooled only when named, its provenance unknown). They had been left out
        without a word, a whole clinic missing from the report, and a folder of referral logs was
        refused as holding no export folders."""
        entries = sorted(path.iterdir())
        exports = [p for p in entries if p.is_dir() and (p / "manifest.json").exists()]
        logs = [p for p in entries if p.is_file() and p.suffix.lower() in SQLITE_SUFFIXES]
        interrupted = [p for p in entries if p.is_dir() and p not in exports and _export_tables_in(p)]
        loose = [
            p
            for p in entries
            if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and p.suffix.lower() != ".json"
        ]
        if not exports and not logs and not interrupted:
            self.rejections.append(
                Rejection(
                    str(path),
                    "no manifest.json (an interrupted export?) and no export folders or clinic referral logs"
                    " (.sqlite, .sqlite3, .db) inside; pass single table files by name",
                )
            )
            return
        for child in exports:
            self._export_folder(child)
        for log in logs:
            self._clinic_database(log)
        for folder in interrupted:
            self.rejections.append(
                Rejection(
                    str(folder),
                    f"no manifest.json beside {listed(_export_tables_in(folder))} (an interrupted export,"
                    " or a copy without it): not pooled; export the clinic again, or copy the whole folder",
                )
            )
        for table in loose:
            self.rejections.append(
                Rejection(
                    str(table),
                    "a table beside the export folders, not in one: not pooled; pass it by name (--input"
                    f" {table}) to pool it, its provenance unknown without a manifest",
                )
            )

    def _export_folder(self, folder: Path) -> None:
        manifest_path = folder / "manifest.json"
        try:
            manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.rejections.append(Rejection(str(manifest_path), f"unreadable manifest: {exc}"))
            return
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            self.rejections.append(
                Rejection(
                    str(manifest_path),
                    f"format_version {json_text(version)} is not supported (expected {json_text(FORMAT_VERSION)})",
                )
            )
            return
        tables = manifest.get("tables") or {}
        entry = tables.get("encounters") if isinstance(tables, dict) else None
        if not isinstance(entry, dict) or "file" not in entry:
            self.rejections.append(Rejection(str(manifest_path), "manifest lists no encounters table"))
            return
        encounters = folder / str(entry["file"])
        if not encounters.exists():
            self.rejections.append(Rejection(str(encounters), "listed in manifest.json but missing"))
            return
        if entry.get("sha256") and _sha256(encounters) != entry["sha256"]:
            self.rejections.append(
                Rejection(
                    str(encounters),
                    "sha256 differs from manifest.json (file changed or truncated after export)",
                )
            )
            return
        facilities = None
        fac_entry = tables.get("facilities")
        if isinstance(fac_entry, dict) and (folder / str(fac_entry.get("file", ""))).is_file():
            facilities = folder / str(fac_entry["file"])
        self._table(
            encounters,
            TABLE_SUFFIXES.get(encounters.suffix.lower(), "csv"),
            str(encounters),
            manifest,
            facilities,
        )

    def _clinic_database(self, path: Path) -> None:
        from referral.analytics_export import export_analytics
        from referral.errors import ClinicError
        from referral.schema import connect_to_read

        target = Path(tempfile.mkdtemp(prefix="export-", dir=self.work))
        self.say(f"exporting the referral log {path} for this report")
        try:
            db = connect_to_read(path)  # a log received on read-only media is read where it is
            try:
                export_analytics(db, target, "parquet")
            finally:
                db.conn.close()
        except ClinicError as exc:
            self.rejections.append(Rejection(str(path), f"cannot export this referral log: {exc}"))
            return
        except Exception as exc:  # a file that is not a referral log at all
            self.rejections.append(Rejection(str(path), f"not a readable clinic referral log: {exc}"))
            return
        before, refused = len(self.sources), len(self.rejections)
        self._export_folder(target)
        for source in self.sources[before:]:
            source.label = f"{path}{LOG_EXPORTED}"
        # what was refused in the export names the log the user gave, not the temporary folder
        for rejection in self.rejections[refused:]:
            if rejection.source.startswith(str(target)):
                rejection.source = f"{path}{LOG_EXPORTED}"

    def _table(
        self,
        path: Path,
        fmt: str,
        label: str,
        manifest: dict[str, Any] | None,
        facilities: Path | None = None,
    ) -> None:
        if path.is_file() and path.stat().st_size == 0:
            self.rejections.append(Rejection(label, "empty file (0 bytes, not even a header row)"))
            return
        try:
            columns = _columns(self.con, path, fmt)
        except duckdb.Error as exc:
            self.rejections.append(Rejection(label, unreadable(exc, path, fmt)))
            return
        missing = [c for c in ENCOUNTER_TYPES if c not in columns]
        if set(FACILITY_TYPES) <= set(columns) and missing:
            self.rejections.append(
                Rejection(
                    label,
                    "this is a facilities table; pass it with --facilities (or the whole export folder)",
                )
            )
            return
        if missing:
            self.rejections.append(
                Rejection(label, f"missing column(s): {missing_columns(missing, columns)}")
            )
            return
        scan = scan_sql(path, fmt)
        versions = [
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT CAST(format_version AS VARCHAR) FROM {scan} ORDER BY 1 NULLS FIRST LIMIT 3"
            ).fetchall()
        ]
        if not versions:  # the query above returns a row for any row of the table
            self.rejections.append(Rejection(label, "no data rows (the table has its columns but no rows)"))
            return
        if versions != [FORMAT_VERSION]:
            wrong = [v for v in versions if v != FORMAT_VERSION]
            self.rejections.append(
                Rejection(
                    label,
                    f"format_version {json_text(wrong[0])} is not supported (expected {json_text(FORMAT_VERSION)})",
                )
            )
            return
        clinics = [
            r[0] for r in self.con.execute(f"SELECT DISTINCT clinic_id FROM {scan} ORDER BY 1").fetchall()
        ]
        if manifest is not None and [c for c in clinics if c is not None] not in (
            [],
            [manifest.get("clinic_id")],
        ):
            self.rejections.append(
                Rejection(
                    label,
                    f"clinic_id values {json_text(clinics[:3])} differ from manifest clinic_id"
                    f" {json_text(manifest.get('clinic_id'))}",
                )
            )
            return
        fac_fmt = ""
        if facilities is not None:
            fac_fmt = TABLE_SUFFIXES.get(facilities.suffix.lower(), "csv")
            try:
                fac_cols = _columns(self.con, facilities, fac_fmt)
            except duckdb.Error as exc:
                self.rejections.append(
                    Rejection(
                        str(facilities),
                        f"facilities table ignored: {unreadable(exc, facilities, fac_fmt)}",
                        table="facilities",
                    )
                )
                fac_cols = {}
            fac_missing = [c for c in FACILITY_TYPES if c not in fac_cols]
            if not fac_cols:
                facilities = None
            elif fac_missing:
                self.rejections.append(
                    Rejection(
                        str(facilities),
                        f"facilities table ignored: missing column(s) {missing_columns(fac_missing, fac_cols)}",
                        table="facilities",
                    )
                )
                facilities = None
        self.sources.append(
            Source(
                label=label,
                encounters=path,
                fmt=fmt,
                clinic_ids=[str(c) for c in clinics if c is not None],
                exported_at=str((manifest or {}).get("exported_at", "")),
                facilities=facilities,
                facilities_fmt=fac_fmt,
                risk_columns=sorted(c for c in columns if c.startswith(RISK_PREFIX)),
                synthetic=None if manifest is None else bool(manifest.get("synthetic", False)),
                columns=columns,
            )
        )

    def drop_double_exports(self) -> None:
        """A clinic exported twice: keep the latest export, reject the older copies by name."""
        keep: list[Source] = []
        owner: dict[str, Source] = {}
        order = sorted(enumerate(self.sources), key=lambda p: (p[1].exported_at, p[0]), reverse=True)
        dropped: set[int] = set()
        for index, source in order:
            clash = next((owner[c] for c in source.clinic_ids if c in owner), None)
            if clash is not None:
                dropped.add(index)
                clinic = next(c for c in source.clinic_ids if c in owner)
                when = f" (exported {clash.exported_at})" if clash.exported_at else ""
                kept = f"export {clash.label}{when}"
                if clash.label.endswith(LOG_EXPORTED):  # it had read "log.db (exported) (exported <day>)"
                    day = f" {clash.exported_at}" if clash.exported_at else ""
                    log = clash.label.removesuffix(LOG_EXPORTED)
                    kept = f"export, the referral log {log} (exported{day} for this report)"
                self.rejections.append(
                    Rejection(
                        source.label,
                        f"clinic {clinic} exported twice: kept the later {kept}, skipped this one",
                    )
                )
                continue
            for c in source.clinic_ids:
                owner[c] = source
        keep = [s for i, s in enumerate(self.sources) if i not in dropped]
        self.sources = keep
