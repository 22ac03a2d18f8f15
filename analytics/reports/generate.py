"""A seeded generator of SYNTHETIC multi-clinic analytics exports (format v1).

Every clinic gets its own export folder exactly as ``referral/export`` writes it (manifest last,
``synthetic: true``), so the report reads generated data through the same path as real exports.
The generator plants a known effect for H3: before a clinic's digital-triage start, clinicians
turn a share ``over_referral_before`` of the encounters the rules would keep local into routine
referrals; afterwards only ``over_referral_after``. Start months are staggered and some clinics
never start, so both the interrupted time series and the difference-in-differences have
something to recover. ``SYNTHETIC-truth.json`` at the top of the output folder states the planted
effect. All facility names, places and people are fictional.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from analytics.reports.schema import AGE_BANDS, FORMAT_VERSION, SMALL_CELL

TableFormat = Literal["parquet", "csv", "jsonl"]


@dataclass(frozen=True)
class GeneratorSpec:
    clinics: int = 24
    rows: int = 200_000
    seed: int = 7
    first_day: date = date(2024, 1, 1)
    months: int = 24
    over_referral_before: float = 0.30
    over_referral_after: float = 0.08
    never_start_share: float = 0.25
    table_format: TableFormat = "parquet"


@dataclass(frozen=True)
class Facility:
    facility_id: str
    name: str
    tier: str
    region_code: str
    lon: float
    lat: float
    beds: int
    capacity: int
    digital_triage_start: date | None


def _regions(clinics: int) -> list[str]:
    return [f"SYN{330100 + 100 * i}" for i in range(max(1, min(6, clinics // 6)))]


def facilities(spec: GeneratorSpec) -> list[Facility]:
    """The synthetic regional directory: clinics (primary) and 3 hospitals per region."""
    rng = np.random.default_rng([spec.seed, 1])
    regions = _regions(spec.clinics)
    out: list[Facility] = []
    for r, region in enumerate(regions):
        lon0, lat0 = 119.6 + 0.8 * r, 28.6 + 0.45 * r
        for h, (tier, beds, cap) in enumerate(
            (("tertiary", 1500, 2200), ("secondary", 500, 800), ("secondary", 350, 600))
        ):
            out.append(
                Facility(
                    f"SYN-H{r + 1}{h + 1}",
                    f"Synthetic {tier} hospital {r + 1}.{h + 1}",
                    tier,
                    region,
                    round(lon0 + rng.normal(0, 0.05), 4),
                    round(lat0 + rng.normal(0, 0.05), 4),
                    beds,
                    cap,
                    None,
                )
            )
    months = max(spec.months, 4)
    for c in range(spec.clinics):
        region = regions[c % len(regions)]
        r = regions.index(region)
        never = rng.random() < spec.never_start_share
        start_month = int(rng.integers(months // 4, 3 * months // 4 + 1))
        start = None if never else _add_months(spec.first_day, start_month)
        out.append(
            Facility(
                f"SYN-C{c + 1:04d}",
                f"Synthetic clinic {c + 1}",
                "primary",
                region,
                round(119.6 + 0.8 * r + rng.normal(0, 0.25), 4),
                round(28.6 + 0.45 * r + rng.normal(0, 0.2), 4),
                int(rng.integers(0, 30)),
                int(rng.integers(60, 160)),
                start,
            )
        )
    return out


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, 1)


def _hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8).tobytes()
    hexed = np.frombuffer(binascii.hexlify(raw), dtype="S32")
    return pa.array(hexed).cast(pa.string())


def clinic_table(
    spec: GeneratorSpec,
    clinic: Facility,
    hospitals: list[Facility],
    n: int,
    index: int,
    provincial: str | None = None,
) -> pa.Table:
    """The encounters table of one synthetic clinic (``n`` rows); ``provincial``: a tertiary
    hospital outside the region that draws part of the tertiary referrals."""
    rng = np.random.default_rng([spec.seed, 2, index])
    days_total = (_add_months(spec.first_day, spec.months) - spec.first_day).days
    day_offset = np.sort(rng.integers(0, days_total, n))
    days = np.datetime64(spec.first_day) + day_offset.astype("timedelta64[D]")
    digital = (
        np.zeros(n, dtype=bool)
        if clinic.digital_triage_start is None
        else days >= np.datetime64(clinic.digital_triage_start)
    )
    severity = rng.normal(0.0, 1.0, n) + rng.normal(0.0, 0.15)
    news2 = np.clip(np.round(1.3 + 1.6 * severity + rng.normal(0, 0.8, n)), 0, 20).astype(np.int32)
    risk = 1.0 / (1.0 + np.exp(-(-2.4 + 0.9 * severity + rng.normal(0, 0.5, n))))
    red = rng.random(n) < 1.0 / (1.0 + np.exp(-(-6.0 + 1.6 * severity)))
    engine = np.full(n, "local_care", dtype=object)
    engine[(news2 >= 3) | (risk >= 0.20)] = "routine_referral"
    engine[(news2 >= 5) | (risk >= 0.30)] = "urgent_referral"
    engine[(news2 >= 7) | red] = "emergency_transfer"
    engine[rng.random(n) < 0.01] = "insufficient_data"
    over_p = np.where(digital, spec.over_referral_after, spec.over_referral_before)
    final = engine.copy()
    final[(engine == "local_care") & (rng.random(n) < over_p)] = "routine_referral"
    final[(engine == "routine_referral") & (rng.random(n) < 0.02)] = "local_care"
    referred = np.isin(final, ["emergency_transfer", "urgent_referral", "routine_referral"])
    urgency = np.full(n, None, dtype=object)
    urgency[final == "emergency_transfer"] = "emergency"
    urgency[final == "urgent_referral"] = "urgent"
    urgency[final == "routine_referral"] = "routine"
    tertiary = [h.facility_id for h in hospitals if h.tier == "tertiary"]
    secondary = [h.facility_id for h in hospitals if h.tier == "secondary"]
    to_tertiary = np.where(
        np.isin(final, ["emergency_transfer", "urgent_referral"]), 0.65, 0.35
    ) > rng.random(n)
    to = np.where(to_tertiary, rng.choice(tertiary, n), rng.choice(secondary, n)).astype(object)
    if provincial is not None:  # some tertiary referrals bypass the region for the provincial centre
        to[to_tertiary & (rng.random(n) < 0.25)] = provincial
    to[~referred] = None
    status = rng.choice(
        np.array(
            ["completed", "arrived", "declined", "cancelled", "sent", "accepted", "proposed"], dtype=object
        ),
        n,
        p=[0.70, 0.07, 0.05, 0.05, 0.06, 0.04, 0.03],
    )
    status[~referred] = None
    mean_hours = np.where(final == "emergency_transfer", 1.5, np.where(final == "urgent_referral", 6.0, 48.0))
    hours = np.round(rng.gamma(2.0, mean_hours / 2.0), 1)
    arrived = np.isin(status, ["arrived", "completed"])
    justified_p = 1.0 / (1.0 + np.exp(-(-0.4 + 2.2 * severity)))
    justified = pd.array(rng.random(n) < justified_p, dtype="boolean")
    justified[status != "completed"] = pd.NA
    red_text = np.where(red, np.where(rng.random(n) < 0.5, "spo2_critical", "sbp_critical"), "")
    sex = rng.choice(np.array(["female", "male", "unknown"], dtype=object), n, p=[0.52, 0.47, 0.01])
    age = rng.choice(np.array(AGE_BANDS, dtype=object), n, p=[0.08, 0.14, 0.13, 0.15, 0.18, 0.17, 0.14, 0.01])
    version = np.where(digital, "synthetic-policy-2", "manual")
    columns: dict[str, Any] = {
        "format_version": pa.array(np.full(n, FORMAT_VERSION, dtype=object), pa.string()),
        "clinic_id": pa.array(np.full(n, clinic.facility_id, dtype=object), pa.string()),
        "record_id": _hex_ids(rng, n),
        "patient_pseudo_id": _hex_ids(rng, n),
        "age_band": pa.array(age, pa.string()),
        "sex": pa.array(sex, pa.string()),
        "region_code": pa.array(np.full(n, clinic.region_code, dtype=object), pa.string()),
        "encounter_day": pa.array(days, pa.date32()),
        "digital_triage": pa.array(digital, pa.bool_()),
        "disposition": pa.array(final, pa.string()),
        "engine_disposition": pa.array(engine, pa.string()),
        "overridden": pa.array(final != engine, pa.bool_()),
        "news2": pa.array(news2, pa.int32()),
        "red_flags": pa.array(red_text.astype(object), pa.string()),
        "policy_version": pa.array(version.astype(object), pa.string()),
        "referral_status": pa.array(status, pa.string()),
        "referral_urgency": pa.array(urgency, pa.string()),
        "referral_to": pa.array(to, pa.string()),
        "hours_to_arrival": pa.array(np.where(arrived, hours, np.nan), pa.float64(), from_pandas=True),
        "referral_justified": pa.array(justified, pa.bool_(), from_pandas=True),
        "risk_cvd10": pa.array(np.round(risk, 4), pa.float64()),
    }
    return pa.table(columns)


def _write(table: pa.Table, path: Path, fmt: TableFormat) -> None:
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        frame = table.to_pandas()
        frame.to_json(path, orient="records", lines=True, date_format="iso", force_ascii=False)


def _fix_jsonl_days(path: Path, columns: tuple[str, ...]) -> None:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for col in columns:
            if isinstance(row.get(col), str) and "T" in row[col]:
                row[col] = row[col][:10]
        lines.append(json.dumps(row, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _aggregates(table: pa.Table) -> pa.Table:
    frame = table.select(["encounter_day", "age_band", "sex", "disposition"]).to_pandas()
    counts = (
        frame.groupby(["encounter_day", "age_band", "sex", "disposition"]).size().reset_index(name="count")
    )
    small = counts["count"] < SMALL_CELL
    counts["count"] = counts["count"].astype("Int64").mask(small)
    counts["suppressed"] = small
    counts.insert(0, "format_version", FORMAT_VERSION)
    return pa.Table.from_pandas(counts, preserve_index=False)


def facility_table(directory: list[Facility]) -> pa.Table:
    rows = [{"format_version": FORMAT_VERSION} | asdict(f) for f in directory]
    frame = pd.DataFrame(rows)
    frame["beds"] = frame["beds"].astype("int32")
    frame["capacity"] = frame["capacity"].astype("int32")
    return pa.Table.from_pandas(frame, preserve_index=False).cast(
        pa.schema(
            [
                ("format_version", pa.string()),
                ("facility_id", pa.string()),
                ("name", pa.string()),
                ("tier", pa.string()),
                ("region_code", pa.string()),
                ("lon", pa.float64()),
                ("lat", pa.float64()),
                ("beds", pa.int32()),
                ("capacity", pa.int32()),
                ("digital_triage_start", pa.date32()),
            ]
        )
    )


def write_export(
    folder: Path,
    clinic: Facility,
    encounters: pa.Table,
    directory: pa.Table,
    fmt: TableFormat,
    exported_at: date,
) -> dict[str, Any]:
    """Write one export folder the way ``referral.analytics_export`` does (manifest last)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, Any] = {}
    for name, table, table_fmt in (
        ("encounters", encounters, fmt),
        ("facilities", directory, fmt),
        ("aggregates", _aggregates(encounters), "csv"),
    ):
        path = folder / f"{name}.{table_fmt}"
        _write(table, path, table_fmt)
        if table_fmt == "jsonl":
            _fix_jsonl_days(path, ("encounter_day", "digital_triage_start"))
        tables[name] = {"file": path.name, "rows": table.num_rows, "sha256": _sha256(path)}
    manifest = {
        "format_version": FORMAT_VERSION,
        "clinic_id": clinic.facility_id,
        "export_id": hashlib.sha256(f"{clinic.facility_id}:{exported_at}".encode()).hexdigest()[:32],
        "exported_at": exported_at.isoformat(),
        "synthetic": True,
        "tables": tables,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def generate(
    spec: GeneratorSpec, out: Path, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Write one export folder per clinic under ``out`` plus ``SYNTHETIC-truth.json``."""
    out.mkdir(parents=True, exist_ok=True)
    directory = facilities(spec)
    clinics = [f for f in directory if f.tier == "primary"]
    rng = np.random.default_rng([spec.seed, 3])
    weights = rng.uniform(0.5, 1.5, len(clinics))
    sizes = np.floor(weights / weights.sum() * spec.rows).astype(int)
    sizes[: spec.rows - int(sizes.sum())] += 1
    exported_at = _add_months(spec.first_day, spec.months) + timedelta(days=3)
    directory_table = facility_table(directory)
    truth_local_engine = 0
    truth_treated = 0
    for i, (clinic, n) in enumerate(zip(clinics, sizes, strict=True)):
        hospitals = [h for h in directory if h.tier != "primary" and h.region_code == clinic.region_code]
        provincial = directory[0].facility_id if clinic.region_code != directory[0].region_code else None
        table = clinic_table(spec, clinic, hospitals, int(n), i, provincial)
        digital = table.column("digital_triage").to_numpy(zero_copy_only=False)
        engine_local = table.column("engine_disposition").to_numpy(zero_copy_only=False) == "local_care"
        truth_treated += int(digital.sum())
        truth_local_engine += int((engine_local & digital).sum())
        write_export(out / clinic.facility_id, clinic, table, directory_table, spec.table_format, exported_at)
        if progress is not None:
            progress(i + 1, len(clinics))
    share_engine_local = truth_local_engine / truth_treated if truth_treated else 0.0
    truth = {
        "synthetic": True,
        "note": "SYNTHETIC data from analytics.reports.generate; no real clinic, place or person.",
        "spec": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(spec).items()},
        "true_effect_local_share": round(
            (spec.over_referral_before - spec.over_referral_after) * share_engine_local, 4
        ),
        "clinics": len(clinics),
        "clinics_never_started": sum(1 for c in clinics if c.digital_triage_start is None),
        "rows": int(sizes.sum()),
    }
    (out / "SYNTHETIC-truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth
