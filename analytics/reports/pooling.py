"""Pooling many clinics' analytics exports into one DuckDB table, out of core.

Steps: find and check the inputs (:mod:`analytics.reports.sources`), skip older copies of a clinic
exported twice, stage every accepted table with the contract's types, reject rows that break the
contract (uncastable value, value outside a closed vocabulary, missing key) with the file, the
first row number and a count, then de-duplicate on ``record_id`` across files. The result is the
``encounters`` and ``facilities`` relations of one DuckDB connection (spilling to ``work``).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analytics.reports.errors import ReportInputError
from analytics.reports.schema import (
    ALLOWED_VALUES,
    ENCOUNTER_TYPES,
    FACILITY_TYPES,
    NOT_NULL,
    POOLED_TYPES,
    TIERS,
)
from analytics.reports.sources import (
    TABLE_SUFFIXES,
    Rejection,
    Source,
    SourceFinder,
    missing_columns,
    scan_sql,
    unreadable,
)
from analytics.reports.withheld import shown_value
from referral.errors import json_text
from referral.plurals import counted

Progress = Callable[[str], None]


@dataclass
class Pool:
    con: duckdb.DuckDBPyConnection
    sources: list[Source]
    rejections: list[Rejection]
    risk_columns: list[str]
    synthetic: bool | None
    """True if any source is SYNTHETIC; None if none is but some have no manifest (unknown)."""
    rows_read: int = 0
    rows_pooled: int = 0
    facilities: int = 0
    notes: list[str] = field(default_factory=list)


def synthetic_flag(sources: list[Source]) -> bool | None:
    """True if any source is SYNTHETIC, else None if any has unknown provenance, else False."""
    if any(s.synthetic for s in sources):
        return True
    return None if any(s.synthetic is None for s in sources) else False


def provenance_unknown(sources: list[Source]) -> list[str]:
    """The sources without a manifest: nothing says whether they are real or SYNTHETIC."""
    return [s.label for s in sources if s.synthetic is None]


def connect(work: Path, memory_limit: str = "3GB", threads: int | None = None) -> duckdb.DuckDBPyConnection:
    work.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(work / "spill")})
    except duckdb.Error:
        # DuckDB judges the value (it takes -1 and 80% too); its words ("Memory must have a number",
        # "Unknown unit for memory: ''") name neither the option nor a size that works
        raise ReportInputError(
            f"--memory-limit {shlex.quote(memory_limit)}: give a size such as 2GB or 500MB"
        ) from None
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cast(column: str, target: str, actual: str | None) -> str:
    if actual is None:
        return f"CAST(NULL AS {target})"
    if actual.upper() == target:
        return _q(column)
    return f"TRY_CAST({_q(column)} AS {target})"


def _outside(column: str) -> str:
    return f"{column} outside the allowed values"


#: The closed vocabulary of each "outside the allowed values" problem, for :func:`shown_value`.
_CODES = {_outside(name): allowed for name, allowed in ALLOWED_VALUES.items()}


def _ranges(risk_columns: list[str]) -> list[tuple[str, str, str]]:
    """(column, SQL condition on ``{}`` - the value as a double -, the problem) of the values a
    column's type takes but its meaning does not: "inf" and "nan" pass as doubles, and an infinite
    risk stopped the report with DuckDB's traceback (risk_pct out of range for INT32); a NEWS2
    total is 0-20, a probability 0-1, hours to arrival not negative."""
    finite = [
        (name, "NOT isfinite({})", "is not a finite number") for name in ("hours_to_arrival", *risk_columns)
    ]
    return [
        *finite,
        ("news2", "{} NOT BETWEEN 0 AND 20", "outside 0-20 (a NEWS2 total)"),
        ("hours_to_arrival", "{} < 0", "is negative (hours from the assessment to arrival)"),
        *((name, "{} NOT BETWEEN 0 AND 1", "outside 0-1 (a model probability)") for name in risk_columns),
    ]


def _problem_sql(columns: dict[str, str], risk_columns: list[str]) -> tuple[str, str]:
    """CASE expressions naming the first contract break of a row, and the offending value."""
    checks: list[tuple[str, str, str]] = []
    for name in NOT_NULL:
        checks.append((f"{_q(name)} IS NULL", f"{name} is empty", "NULL"))
    for name, target in list(ENCOUNTER_TYPES.items()) + [(r, "DOUBLE") for r in risk_columns if r in columns]:
        actual = columns.get(name)
        if actual is not None and actual.upper() != target:
            checks.append(
                (
                    f"{_q(name)} IS NOT NULL AND TRY_CAST({_q(name)} AS {target}) IS NULL",
                    f"{name} is not a valid {target.lower()}",
                    f"CAST({_q(name)} AS VARCHAR)",
                )
            )
    for name, condition, words in _ranges([r for r in risk_columns if r in columns]):
        if name in columns:
            value = f"TRY_CAST({_q(name)} AS DOUBLE)"
            checks.append((condition.format(value), f"{name} {words}", f"CAST({_q(name)} AS VARCHAR)"))
    for name, allowed in ALLOWED_VALUES.items():
        values = ", ".join(_lit(v) for v in allowed)
        checks.append(
            (
                f"{_q(name)} IS NOT NULL AND CAST({_q(name)} AS VARCHAR) NOT IN ({values})",
                _outside(name),
                f"CAST({_q(name)} AS VARCHAR)",
            )
        )
    problem = "CASE " + " ".join(f"WHEN {cond} THEN {_lit(msg)}" for cond, msg, _ in checks) + " END"
    value = "CASE " + " ".join(f"WHEN {cond} THEN {val}" for cond, _, val in checks) + " END"
    return problem, value


def _stage_select(index: int, source: Source, risk_columns: list[str]) -> str:
    cols = source.columns
    parts = [f"{index} AS _src"]
    if source.fmt == "parquet":
        scan = f"read_parquet({_lit(str(source.encounters))}, file_row_number = true)"
        parts.append("file_row_number + 1 AS _row")
    else:  # text files are read once into a table numbered in file order (line 1 = CSV header)
        scan = f"raw_{index}"
        parts.append("_row")
    for name, target in POOLED_TYPES.items():
        value = _cast(name, target, cols.get(name))
        if name == "red_flags":  # "empty if none"; CSV cannot tell an empty string from null
            value = f"COALESCE({value}, '')"
        parts.append(f"{value} AS {_q(name)}")
    for name in risk_columns:
        parts.append(f"{_cast(name, 'DOUBLE', cols.get(name))} AS {_q(name)}")
    problem, value = _problem_sql(cols, risk_columns)
    parts.append(f"{problem} AS _problem")
    parts.append(f"{value} AS _bad_value")
    return f"SELECT {', '.join(parts)} FROM {scan}"


def pool(
    paths: Sequence[Path],
    work: Path,
    *,
    facilities_file: Path | None = None,
    memory_limit: str = "3GB",
    progress: Progress | None = None,
) -> Pool:
    """Pool the inputs; raise only when nothing usable remains (the message lists why)."""
    say = progress or (lambda _msg: None)
    con = connect(work, memory_limit)
    finder = SourceFinder(con, work, say)
    say(f"checking {counted(len(paths), 'input paths')}")
    for path in paths:
        finder.add(path)
    finder.drop_double_exports()
    sources, rejections = finder.sources, finder.rejections
    if not sources:
        reasons = "; ".join(f"{r.source}: {r.reason}" for r in rejections[:5]) or "no inputs"
        raise ReportInputError(f"no usable encounters table among the inputs ({reasons})")
    risk_columns = sorted({r for s in sources for r in s.risk_columns})
    say(f"staging {counted(len(sources), 'encounters tables')}")
    for i, source in enumerate(sources):
        if source.fmt != "parquet":
            offset = 1 if source.fmt == "csv" else 0
            con.execute(
                f"CREATE TABLE raw_{i} AS SELECT row_number() OVER () + {offset} AS _row, *"
                f" FROM {scan_sql(source.encounters, source.fmt)}"
            )
    # A view: Parquet is scanned in place, each query reads only its columns; nothing is copied.
    union = " UNION ALL ".join(_stage_select(i, s, risk_columns) for i, s in enumerate(sources))
    con.execute(f"CREATE VIEW staged AS {union}")
    result = Pool(con, sources, rejections, risk_columns, synthetic_flag(sources))
    result.rows_read = int(_scalar(con, "SELECT count(*) FROM staged"))
    for src, problem, rows, first_row, value in con.execute(
        "SELECT _src, _problem, count(*), min(_row), arg_min(_bad_value, _row) FROM staged"
        " WHERE _problem IS NOT NULL GROUP BY ALL ORDER BY 1, 2"
    ).fetchall():
        source = sources[int(src)]
        where = "line" if source.fmt == "csv" else "row"
        rejections.append(
            Rejection(
                source.label,
                f"{problem} (first at {where} {first_row}, value {shown_value(value, _CODES.get(problem, ()))})",
                int(rows),
            )
        )
    say("de-duplicating on record_id")
    columns = ", ".join(_q(c) for c in [*POOLED_TYPES, *risk_columns])
    # Distinct 64-bit hashes prove distinct ids; only a hash tie needs the exact (costly) check.
    duplicates = int(
        _scalar(con, "SELECT count(*) - count(DISTINCT hash(record_id)) FROM staged WHERE _problem IS NULL")
    )
    if duplicates:
        duplicates = int(
            _scalar(con, "SELECT count(*) - count(DISTINCT record_id) FROM staged WHERE _problem IS NULL")
        )
    if duplicates:
        con.execute(
            "CREATE TABLE ranked AS SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY _src, _row) AS _rank"
            " FROM staged WHERE _problem IS NULL"
        )
        for src, rows, first_row, record_id in con.execute(
            "SELECT _src, count(*), min(_row), arg_min(record_id, _row) FROM ranked WHERE _rank > 1"
            " GROUP BY 1 ORDER BY 1"
        ).fetchall():
            source = sources[int(src)]
            where = "line" if source.fmt == "csv" else "row"
            rejections.append(
                Rejection(
                    source.label,
                    f"duplicate record_id, already pooled (first at {where} {first_row}, record_id {json_text(record_id)})",
                    int(rows),
                )
            )
        con.execute(f"CREATE VIEW encounters AS SELECT {columns} FROM ranked WHERE _rank = 1")
    elif any(r.rows is not None for r in rejections):
        con.execute(f"CREATE VIEW encounters AS SELECT {columns} FROM staged WHERE _problem IS NULL")
    else:  # every row passed: skip re-evaluating the checks in each query
        con.execute(f"CREATE VIEW encounters AS SELECT {columns} FROM staged")
    result.rows_pooled = int(_scalar(con, "SELECT count(*) FROM encounters"))
    if result.rows_pooled == 0:
        reasons = "; ".join(f"{r.source}: {r.reason}" for r in rejections[:5])
        raise ReportInputError(
            f"no encounter rows left to report on: every row of {counted(len(sources), 'tables')} was rejected"
            f" ({reasons})"
        )
    say(f"pooled {counted(result.rows_pooled, 'encounters')} from {counted(len(sources), 'tables')}")
    result.facilities = _pool_facilities(con, sources, facilities_file, rejections)
    if result.facilities == 0:
        result.notes.append("no facility directory: network, map and capacity sections are empty")
    return result


def _facility_value_rejections(
    con: duckdb.DuckDBPyConnection, label: str, path: Path, fmt: str, columns: dict[str, str]
) -> list[Rejection]:
    """A facility value that does not parse as its type (``beds`` 'lots') is left empty: say so.

    The row is kept (its id and tier are usable); the rejection names the column, the first line
    (CSV, header = line 1) or row, the value and how many rows have such a value.
    """
    found: list[Rejection] = []
    offset, where = (1, "line") if fmt == "csv" else (0, "row")
    checks: list[tuple[str, str, str]] = []  # (column, what is wrong, the SQL condition on a row)
    for name, target in FACILITY_TYPES.items():
        actual = columns.get(name)
        if actual is None or actual.upper() == target or name == "format_version":
            continue
        checks.append(
            (
                name,
                f"is not a valid {target.lower()}",
                f"{_q(name)} IS NOT NULL AND trim(CAST({_q(name)} AS VARCHAR)) <> ''"
                f" AND TRY_CAST({_q(name)} AS {target}) IS NULL",
            )
        )
    for name, (condition, words) in FACILITY_RANGES.items():
        if name in columns:
            value_sql = _cast(name, FACILITY_TYPES[name], columns[name])
            checks.append((name, words, f"{value_sql} IS NOT NULL AND NOT ({condition.format(value_sql)})"))
    for name, words, condition in checks:
        rows, first, value = con.execute(
            f"SELECT count(*), min(_n), arg_min(CAST({_q(name)} AS VARCHAR), _n) FROM"
            f" (SELECT row_number() OVER () + {offset} AS _n, * FROM {scan_sql(path, fmt)}) WHERE {condition}"
        ).fetchone() or (0, None, None)
        if rows:
            found.append(
                Rejection(
                    label,
                    f"facility {name} {words} (first at {where} {first}, value {shown_value(value)}); left empty",
                    int(rows),
                    table="facilities",
                    rows_kept=True,
                )
            )
    return found


#: Facility values their type takes but their meaning does not, left empty as an unreadable one:
#: a longitude of 720 drew the network map around it, negative beds lowered the capacity load.
FACILITY_RANGES = {
    "lon": ("{} BETWEEN -180 AND 180", "is outside -180 to 180 (degrees east)"),
    "lat": ("{} BETWEEN -90 AND 90", "is outside -90 to 90 (degrees north)"),
    "beds": ("{} >= 0", "is negative"),
    "capacity": ("{} >= 0", "is negative"),
}


def _facility_select(priority: int, path: Path, fmt: str, columns: dict[str, str]) -> str:
    """The facilities table with the contract's types, its priority (0: --facilities) and each
    row's place in its file (``_where``: "line N", the header being line 1, or "row N")."""
    offset, where = (1, "line") if fmt == "csv" else (0, "row")
    parts = [f"{priority} AS _priority", f"'{where} ' || (row_number() OVER () + {offset}) AS _where"]
    for name, target in FACILITY_TYPES.items():
        value = _cast(name, target, columns.get(name))
        if name in FACILITY_RANGES and name in columns:  # out of range: left empty, as unreadable
            value = f"CASE WHEN {FACILITY_RANGES[name][0].format(value)} THEN {value} END"
        parts.append(f"{value} AS {_q(name)}")
    return f"SELECT {', '.join(parts)} FROM {scan_sql(path, fmt)}"


def _pool_facilities(
    con: duckdb.DuckDBPyConnection, sources: list[Source], override: Path | None, rejections: list[Rejection]
) -> int:
    selects: list[tuple[str, str]] = []
    if override is not None:
        if override.is_dir():
            raise ReportInputError(
                f"--facilities {override}: a folder; give the facilities table file itself "
                "(.parquet, .csv or .jsonl)"
            )
        if not override.is_file():
            raise ReportInputError(f"--facilities {override}: no such file")
        if override.stat().st_size == 0:
            raise ReportInputError(f"--facilities {override}: empty file (0 bytes, not even a header row)")
        fmt = TABLE_SUFFIXES.get(override.suffix.lower())
        if fmt is None:
            raise ReportInputError(
                f"--facilities {override}: expected a .parquet, .csv or .jsonl facilities table"
            )
        try:
            rows = con.execute(f"DESCRIBE SELECT * FROM {scan_sql(override, fmt)}").fetchall()
        except duckdb.Error as exc:  # not UTF-8, not CSV/Parquet/JSON lines
            raise ReportInputError(f"--facilities {override}: {unreadable(exc, override, fmt)}") from None
        cols = {str(r[0]): str(r[1]) for r in rows}
        missing = [c for c in FACILITY_TYPES if c not in cols and c != "format_version"]
        if missing:
            hint = (
                "; its 'id' column is the clinic directory's name (`triage referrals facilities load`):"
                " rename it to facility_id"
                if "facility_id" in missing and "id" in cols
                else ""
            )
            raise ReportInputError(
                f"--facilities {override}: missing column(s) {missing_columns(missing, cols)}{hint}"
            )
        selects.append((str(override), _facility_select(0, override, fmt, cols)))
        rejections.extend(_facility_value_rejections(con, str(override), override, fmt, cols))
    seen: set[Path] = set()
    for i, source in enumerate(sources, start=1):
        if source.facilities is None or source.facilities in seen:
            continue
        seen.add(source.facilities)
        cols = {
            str(r[0]): str(r[1])
            for r in con.execute(
                f"DESCRIBE SELECT * FROM {scan_sql(source.facilities, source.facilities_fmt)}"
            ).fetchall()
        }
        selects.append(
            (str(source.facilities), _facility_select(i, source.facilities, source.facilities_fmt, cols))
        )
        rejections.extend(
            _facility_value_rejections(
                con, str(source.facilities), source.facilities, source.facilities_fmt, cols
            )
        )
    if not selects:
        con.execute(
            "CREATE TABLE facilities AS SELECT "
            + ", ".join(f"CAST(NULL AS {t}) AS {_q(n)}" for n, t in FACILITY_TYPES.items())
            + " WHERE false"
        )
        con.execute("CREATE TABLE facilities_untiered AS SELECT facility_id FROM facilities")
        return 0
    union = " UNION ALL ".join(f"SELECT {_lit(label)} AS _label, * FROM ({sql})" for label, sql in selects)
    con.execute(f"CREATE TABLE facilities_raw AS {union}")
    tiers = ", ".join(_lit(t) for t in TIERS)
    bad_tier = f"facility_id IS NOT NULL AND (tier IS NULL OR tier NOT IN ({tiers}))"
    for label, rows, where, fid, tier in con.execute(
        f"SELECT _label, count(*), arg_min(_where, _n), arg_min(facility_id, _n), arg_min(tier, _n) FROM"
        f" (SELECT *, row_number() OVER () AS _n FROM facilities_raw) WHERE {bad_tier} GROUP BY 1 ORDER BY 1"
    ).fetchall():
        rejections.append(
            Rejection(
                label,
                f"facility {json_text(fid)} has a tier outside {'/'.join(TIERS)} (first at {where},"
                f' column "tier", value {shown_value(tier, TIERS)}); row left out',
                rows,
                table="facilities",
            )
        )
    for label, rows, where in con.execute(
        "SELECT _label, count(*), arg_min(_where, _n) FROM (SELECT *, row_number() OVER () AS _n FROM"
        " facilities_raw) WHERE facility_id IS NULL GROUP BY 1 ORDER BY 1"
    ).fetchall():
        rejections.append(
            Rejection(
                label,
                f'facility rows without an id (first at {where}, column "facility_id" empty); row left out',
                rows,
                table="facilities",
            )
        )
    names = ", ".join(_q(n) for n in FACILITY_TYPES)
    con.execute(
        f"CREATE TABLE facilities AS SELECT {names} FROM facilities_raw WHERE facility_id IS NOT NULL"
        f" AND tier IN ({tiers}) QUALIFY row_number() OVER (PARTITION BY facility_id ORDER BY _priority) = 1"
    )
    # listed, but no row of them with a usable tier: their referrals are a tier not recorded (data
    # missing), not a hospital the directory lacks (a registration missing)
    con.execute(
        f"CREATE TABLE facilities_untiered AS SELECT DISTINCT facility_id FROM facilities_raw WHERE {bad_tier}"
        " AND facility_id NOT IN (SELECT facility_id FROM facilities) ORDER BY 1"
    )
    return int(_scalar(con, "SELECT count(*) FROM facilities"))


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return 0 if not rows or rows[0][0] is None else int(rows[0][0])
