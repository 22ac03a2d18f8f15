"""Complementary suppression: no blank count comes back from one published relation.

The checker below is written from the published tables alone (not from
``analytics.reports.disclosure``): it lists every additive relation a reader can form between the
published numbers, solves each one that has a single unknown, and reports what it recovers.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.reports import indicators
from analytics.reports.disclosure import Relation, complementary
from analytics.reports.engines import DuckDBEngine
from analytics.reports.queries import REPORT_QUERIES
from analytics.reports.render import NOTHING_TO_MEASURE
from analytics.reports.report import build
from analytics.reports.suppress import suppress
from triage.cli import main

Side = list[float]
"""Published values of one side of a relation (NaN = blank)."""


def _known(v: Any) -> bool:
    return not pd.isna(v)


def recoverable(
    tables: dict[str, pd.DataFrame], pool: dict[str, int], raw_region_month: pd.DataFrame
) -> list[tuple[str, float]]:
    """Every blank a single published relation gives back: (relation, the value it solves to).

    ``pool`` holds the pool-wide totals the report prints unsuppressed (summary.json's
    rows_pooled, local_share and referral_rate times it, the policy curve's confirmed and
    completed). ``raw_region_month`` says where completed = justified + not_justified holds (a
    completed referral without feedback makes it a bound, which solves nothing)."""
    found: list[tuple[str, float]] = []

    def solve(name: str, left: Side, right: Side) -> None:
        unknown = [v for v in left + right if not _known(v)]
        if len(unknown) == 1:
            lsum = sum(v for v in left if _known(v))
            rsum = sum(v for v in right if _known(v))
            found.append((name, rsum - lsum if any(not _known(v) for v in left) else lsum - rsum))

    rm = tables["region_month"].set_index(["region_code", "month"])
    true = raw_region_month.set_index(["region_code", "month"])
    exact = true["completed"] == true["justified"] + true["not_justified"]
    for key, r in rm.iterrows():
        solve("encounters = dispositions", [r.encounters], [r.local_care, r.referred, r.insufficient_data])
        solve(
            "referred = referral kinds",
            [r.referred],
            [r.emergency_transfer, r.urgent_referral, r.routine_referral],
        )
        if exact.loc[key]:
            solve("completed = feedback", [r.completed], [r.justified, r.not_justified])
    for col, total in pool.items():
        if not 0 < total < 5:  # a pool total of 1-4 is printed in summary.json as it is
            solve(f"pool {col}", [float(total)], list(rm[col]))
    tm = tables["tier_month"]
    for key, g in tm.groupby(["region_code", "month"]):
        r = rm.loc[key]
        for total in g["region_month_total"]:
            solve("region_month_total = encounters", [total], [r.encounters])
            solve("region_month_total = tiers", [total], list(g["encounters"]))
        solve("encounters = tiers", [r.encounters], list(g["encounters"]))
        solve("referred = referred tiers", [r.referred], list(g.loc[g["tier"] != "primary", "encounters"]))
        solve(
            "primary = local + insufficient",
            list(g.loc[g["tier"] == "primary", "encounters"]),
            [r.local_care, r.insufficient_data],
        )
    cm = tables["clinic_month"]
    for key, g in cm.groupby(["region_code", "month"]):
        for col in ("encounters", "local_care", "digital"):
            solve(f"region {col} = clinics", [rm.loc[key, col]], list(g[col]))
    load = tables["tier_load"]
    for _, row in load[load["tier"] == "primary"].iterrows():
        month = row["month"]
        solve("load = regions", [row.patients], list(rm.xs(month, level="month")["encounters"]))
        solve("load = clinics", [row.patients], list(cm.loc[cm["month"] == month, "encounters"]))
    edges, hosp = tables["network_edges"], tables["hospital_centrality"]
    for _, h in hosp.iterrows():
        solve(
            "hospital = edges", [h.referrals], list(edges.loc[edges["target"] == h.facility_id, "referrals"])
        )
    rates = {
        "region_month": indicators.REGION_RATES,
        "clinic_month": {"local_share": ("local_care", "encounters")},
        "tier_month": {"share": ("encounters", "region_month_total")},
    }
    for name, pairs in rates.items():
        frame = tables[name]
        for rate, (num, den) in pairs.items():
            # a published rate with one of its counts blank: num = rate * den, den = num / rate
            one_blank = frame[num].isna() != frame[den].isna()
            leak = frame[rate].notna() & one_blank & ((frame[rate] > 0) | frame[den].isna())
            found.extend((f"{name} {rate}", math.nan) for _ in range(int(leak.sum())))
    for col in ("patients_per_day", "load_vs_capacity", "patients_per_100_beds"):
        leak = load["patients"].isna() & load[col].notna()
        found.extend((f"tier_load {col}", math.nan) for _ in range(int(leak.sum())))
    return found


# --- random small pools, through the real queries ---------------------------------------------

CLINICS = {"C1": "R1", "C2": "R1", "C3": "R2", "C4": "R2", "C9": "R9"}
HOSPITALS = {"H1": "secondary", "H2": "tertiary"}
DISPOSITIONS = [
    "local_care",
    "insufficient_data",
    "emergency_transfer",
    "urgent_referral",
    "routine_referral",
]

encounter = st.tuples(
    st.sampled_from(["C1", "C2", "C3", "C4"]),
    st.sampled_from([dt.date(2024, 1, 10), dt.date(2024, 2, 10), dt.date(2024, 3, 10)]),
    st.sampled_from(DISPOSITIONS),
    st.sampled_from(["H1", "H2", None]),
    st.sampled_from(["sent", "arrived", "completed", "declined"]),
    st.sampled_from([True, False, None]),
    st.booleans(),
    st.sampled_from(["emergency", "urgent", "routine"]),
)


BACKGROUND = [
    ("C9", dt.date(2024, 1, 10), disposition, "H1", status, justified, True, "urgent")
    for disposition, status, justified in [
        ("local_care", None, None),
        ("insufficient_data", None, None),
        ("urgent_referral", "completed", True),
        ("urgent_referral", "completed", False),
    ]
    for _ in range(5)
]


def raw_tables(rows: list[tuple[Any, ...]]) -> dict[str, pd.DataFrame]:
    enc = pd.DataFrame(
        [
            {
                "clinic_id": c,
                "region_code": CLINICS[c],
                "record_id": f"r{i}",
                "encounter_day": day,
                "disposition": disp,
                "digital_triage": digital,
                "referral_to": to if disp not in ("local_care", "insufficient_data") else None,
                "referral_status": status if disp not in ("local_care", "insufficient_data") else None,
                "referral_justified": justified if status == "completed" else None,
                "referral_urgency": urgency if disp not in ("local_care", "insufficient_data") else None,
                "hours_to_arrival": 3.0 if status in ("arrived", "completed") else None,
            }
            for i, (c, day, disp, to, status, justified, digital, urgency) in enumerate(rows)
        ]
    )
    enc["encounter_day"] = pd.to_datetime(enc["encounter_day"])
    fac = pd.DataFrame(
        [
            {
                "facility_id": f,
                "name": f,
                "tier": t,
                "region_code": "R1",
                "lon": 0.0,
                "lat": 0.0,
                "beds": 50,
                "capacity": 40,
                "digital_triage_start": None,
            }
            for f, t in [*HOSPITALS.items(), *((c, "primary") for c in CLINICS)]
        ]
    )
    con = duckdb.connect()
    con.register("enc_df", enc)
    con.register("fac_df", fac)
    con.execute(
        "CREATE TABLE encounters AS SELECT * REPLACE (CAST(encounter_day AS DATE) AS encounter_day) FROM enc_df"
    )
    con.execute(
        "CREATE TABLE facilities AS SELECT * REPLACE (CAST(digital_triage_start AS DATE) AS digital_triage_start) FROM fac_df"
    )
    con.execute("CREATE TABLE facilities_untiered AS SELECT facility_id FROM facilities WHERE false")
    engine = DuckDBEngine(con)
    return {name: engine.run(sql) for name, sql in REPORT_QUERIES.items()}


def pool_totals(raw: dict[str, pd.DataFrame]) -> dict[str, int]:
    rm = raw["region_month"]
    return {c: int(rm[c].sum()) for c in ("encounters", "local_care", "referred", "justified", "completed")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(encounter, min_size=1, max_size=60))
def test_no_blank_is_recovered_by_one_relation_on_random_pools(rows: list[tuple[Any, ...]]) -> None:
    # summary.json prints pool-wide totals as they are (documented): a pool total of 1-4 is public
    # there whatever the tables blank. Clinic C9 (region R9, one month) keeps every one >= 5.
    raw = raw_tables(rows + BACKGROUND)
    tables = indicators.published(raw)
    assert recoverable(tables, pool_totals(raw), raw["region_month"]) == [], rows
    for table in tables.values():  # primary suppression still holds
        for col in table.columns:
            if pd.api.types.is_integer_dtype(table[col]) and col not in ("suppressed_cells", "in_degree"):
                values = table[col].dropna()
                assert not ((values > 0) & (values < 5)).any()


def primary_only(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables as published before complementary suppression (per-cell blanks only)."""
    tables = {
        "region_month": indicators.region_month(raw["region_month"]),
        "tier_month": indicators.tier_month(raw["tier_month"]),
        "tier_load": indicators.tier_load(raw["clinic_month"], raw["hospital_month"], raw["facilities"]),
        "clinic_month": indicators.clinic_month(raw["clinic_month"].drop(columns=["first_digital_day"])),
    }
    tables["network_edges"], tables["hospital_centrality"] = indicators.network(
        raw["network"], raw["facilities"]
    )
    return tables


@pytest.fixture(scope="module")
def three_clinics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs' case: `triage report generate --clinics 3 --rows 1500` (seed 7)."""
    out = tmp_path_factory.mktemp("three") / "g"
    assert main(["report", "generate", "--clinics", "3", "--rows", "1500", "--out", str(out)]) == 0
    return out


def _raw_from(inputs: Path, work: Path) -> dict[str, pd.DataFrame]:
    from analytics.reports.pooling import pool

    pooled = pool([inputs], work)
    engine = DuckDBEngine(pooled.con)
    return {name: engine.run(sql) for name, sql in REPORT_QUERIES.items()}


@pytest.fixture(scope="module")
def three_raw(three_clinics: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The report's queries on the pooled docs' case, unsuppressed: read by the two tests below,
    each of which pooled and queried it again (neither changes the frames)."""
    return _raw_from(three_clinics, tmp_path_factory.mktemp("three_work") / "work")


def test_three_clinic_set_blanks_come_back_only_without_complements(
    three_raw: dict[str, pd.DataFrame],
) -> None:
    raw = three_raw
    before = recoverable(primary_only(raw), pool_totals(raw), raw["region_month"])
    assert {v for name, v in before if name == "encounters = dispositions"} <= {1.0, 2.0, 3.0, 4.0}
    old = primary_only(raw)["region_month"]
    insufficient = old["insufficient_data"].isna() & old[
        ["encounters", "local_care", "referred"]
    ].notna().all(axis=1)
    assert insufficient.sum() >= 5  # the leak docs/analytics-reports.md used to describe (8 here)
    tables = indicators.published(raw)
    assert recoverable(tables, pool_totals(raw), raw["region_month"]) == []
    # totals of 5 or more stay published: every region-month's encounters, region_month_total
    assert tables["region_month"]["encounters"].notna().all()
    assert tables["tier_month"]["region_month_total"].notna().all()


def test_report_files_show_the_complements(
    three_clinics: Path, three_raw: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    out = tmp_path / "r"
    assert main(["report", "imbalance", "--input", str(three_clinics), "--out", str(out)]) == 0
    raw = three_raw
    csv = pd.read_csv(out / "tables" / "region_month.csv")
    parquet = pd.read_parquet(out / "tables" / "region_month.parquet")
    true = raw["region_month"]
    complements = 0
    for col in ("local_care", "referred", "insufficient_data"):
        blank_big = csv[col].isna() & (true[col] >= 5)
        complements += int(blank_big.sum())
        assert (parquet[col].isna() == csv[col].isna()).all()
        assert csv.loc[blank_big, "suppressed_cells"].ge(2).all()
        rate = {"local_care": "local_share", "referred": "referral_rate"}.get(col)
        if rate:
            assert csv.loc[csv[col].isna(), rate].isna().all()
    assert complements >= 7  # a complement for each formerly recoverable insufficient_data
    page = (out / "report.html").read_text()
    section = page.split("<h2>By region and month</h2>")[1].split("<h2>")[0]
    # every blank cell is said: withheld ("suppressed/-"), or a rate with nothing to measure in
    # the key figures' words (79fd304a: a region-month with no completed referral or urgent arrival)
    nothing = {why for _, why in NOTHING_TO_MEASURE["region_month"].values()}
    said = section.count("suppressed/-") + sum(section.count(why) for why in nothing)
    assert said == int(csv.isna().sum().sum())
    before = indicators.region_month(true)
    assert section.count("suppressed/-") > int(before.isna().sum().sum())


def test_complement_is_the_smallest_nonzero_part_and_totals_last() -> None:
    values = {("t", 0, "total"): 20, ("t", 0, "a"): 3, ("t", 0, "b"): 9, ("t", 0, "c"): 8, ("t", 0, "z"): 0}
    rel = Relation(
        "total = parts", (("t", 0, "total"),), (("t", 0, "a"), ("t", 0, "b"), ("t", 0, "c"), ("t", 0, "z"))
    )
    assert complementary(values, {("t", 0, "a")}, [rel]) == {("t", 0, "a"), ("t", 0, "c")}
    # the lone blank is the total: a part goes with it, not another total
    assert complementary(values, {("t", 0, "total")}, [rel]) == {("t", 0, "total"), ("t", 0, "a")}
    # only one non-zero part: the total is the complement
    only = {("t", 0, "total"): 3, ("t", 0, "a"): 3, ("t", 0, "z"): 0}
    rel2 = Relation("total = a + z", (("t", 0, "total"),), (("t", 0, "a"), ("t", 0, "z")))
    assert complementary(only, {("t", 0, "a")}, [rel2]) == {("t", 0, "a"), ("t", 0, "total")}


def test_rates_follow_a_complement() -> None:
    frame = pd.DataFrame({"n": [40], "k": [30]}).astype("Int64")
    rates = {"share": ("k", "n")}
    out = suppress(indicators.add_rates(frame, rates), ["n", "k"], rates, {"k": pd.Series([True])})
    assert pd.isna(out["k"].iloc[0]) and pd.isna(out["share"].iloc[0]) and out["n"].iloc[0] == 40
    assert out["suppressed_cells"].tolist() == [2]


def test_generated_multi_clinic_set_is_protected_and_as_the_report_publishes(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # Its speed is measured by `python -m bench reports` (the full report), not asserted here.
    raw = _raw_from(generated[0], tmp_path / "work")
    tables = indicators.published(raw)
    assert recoverable(tables, pool_totals(raw), raw["region_month"]) == []
    report = build([generated[0]], tmp_path / "b")
    for name in ("region_month", "tier_month", "clinic_month"):
        pd.testing.assert_frame_equal(report.tables[name], tables[name])
