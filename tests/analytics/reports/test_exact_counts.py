"""Small cells: counts from 1 to 4 blank (5 shown), their complements blank too, and the outputs
say how many; `--exact-counts` shows every count as it is, for internal use, and every output -
the CLI, the page, summary.json, each table file and each plot - says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports import indicators
from analytics.reports.disclosure import Relation, complementary, primary
from analytics.reports.render import EXACT_COUNTS_BANNER
from analytics.reports.schema import EXACT_COUNTS
from analytics.reports.suppress import suppress
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]

#: The tables of counts (each with ``suppressed_cells``) and their count columns.
COUNTED = ("region_month", "tier_month", "clinic_month", "network_edges", "hospital_centrality", "tier_load")


def test_4_is_suppressed_and_5_shown_and_none_with_exact_counts() -> None:
    frame = pd.DataFrame({"n": [4, 5, 0, 1]}).astype("Int64")
    out = suppress(frame, ["n"])
    assert out["n"].isna().tolist() == [True, False, False, True] and out["n"].iloc[1] == 5
    assert out["suppressed_cells"].tolist() == [1, 0, 0, 1]
    exact = suppress(frame, ["n"], small_cell=EXACT_COUNTS)
    assert exact["n"].tolist() == [4, 5, 0, 1] and exact["suppressed_cells"].tolist() == [0, 0, 0, 0]
    values = {("t", 0, "four"): 4, ("t", 0, "five"): 5}
    assert primary(values) == {("t", 0, "four")}
    assert primary(values, small_cell=EXACT_COUNTS) == set()


def test_a_blank_gets_its_complement_and_exact_counts_blank_neither() -> None:
    """encounters 20 = local 4 + referred 11 + insufficient 5: the 4 alone blank is 20 - 11 - 5,
    so the smallest other part (the 5) is blanked with it; with exact counts nothing is."""
    cells = {"encounters": 20, "local_care": 4, "referred": 11, "insufficient_data": 5}
    values = {("region_month", 0, col): v for col, v in cells.items()}
    rel = Relation(
        "encounters = parts",
        (("region_month", 0, "encounters"),),
        tuple(("region_month", 0, col) for col in ("local_care", "referred", "insufficient_data")),
    )
    hidden = complementary(values, primary(values), [rel])
    assert hidden == {("region_month", 0, "local_care"), ("region_month", 0, "insufficient_data")}
    assert complementary(values, primary(values, small_cell=EXACT_COUNTS), [rel]) == set()
    counts = pd.DataFrame([cells])
    shown = indicators.suppress(counts, list(cells), hide={"insufficient_data": pd.Series([True])})
    assert shown["local_care"].isna().all() and shown["insufficient_data"].isna().all()
    assert shown["encounters"].tolist() == [20] and shown["referred"].tolist() == [11]


def _counts_blank(table: pd.DataFrame) -> int:
    columns = [
        c for c in table.columns if pd.api.types.is_integer_dtype(table[c]) and c != "suppressed_cells"
    ]
    return int(table[columns].isna().sum().sum())


def test_the_default_report_says_how_many_cells_it_suppressed(
    imbalance_run: tuple[int, Path, str, str],
) -> None:
    """The CLI said nothing of the small cells, and the page "Counts from 1 to 4 are suppressed
    everywhere": neither how many nor that the cells giving one back are blanked too."""
    code, out, printed, _ = imbalance_run
    assert code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # every table with the column (h3_its_by_clinic's: 0, its estimates fitted on the published months)
    names = (*COUNTED, "policy_curve", "h3_its_by_clinic")
    tables = {name: pd.read_csv(out / "tables" / f"{name}.csv") for name in names}
    blank = sum(int(t["suppressed_cells"].sum()) for t in tables.values())
    assert blank > 0 and summary["suppressed_cells"] == blank and summary["exact_counts"] is False
    line = f"small cells: {blank:,} cells suppressed (blank): every count from 1 to 4, the cells that would"
    assert line in printed
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"Small cells: {blank:,} cells suppressed (blank)" in page and "EXACT COUNTS" not in page
    for name, table in tables.items():
        assert table["exact_counts"].eq(False).all(), name


def test_exact_counts_shows_every_count_and_every_output_says_so(
    generated: Generated,
    imbalance_run: tuple[int, Path, str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from analytics.reports import render

    stamped: dict[str, bool] = {}
    real_png = render._png

    def spy(fig: Any, source: str) -> bytes:
        data = real_png(fig, source)
        texts = [t.get_text().replace("\n", " ") for t in fig.texts]  # wrapped to the width
        stamped[fig._suptitle.get_text()] = EXACT_COUNTS_BANNER in texts
        return data

    monkeypatch.setattr(render, "_png", spy)
    out = tmp_path / "exact"
    assert main(["report", "imbalance", "-i", str(generated[0]), "-o", str(out), "-q", "--exact-counts"]) == 0
    printed = capsys.readouterr().out
    assert EXACT_COUNTS_BANNER in printed.splitlines()
    assert "small cells: not suppressed (--exact-counts)" in printed
    assert len(stamped) == 6 and all(stamped.values()), stamped
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count(f'<p class="banner">{EXACT_COUNTS_BANNER}</p>') == 2  # top and bottom
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["exact_counts"] is True and summary["suppressed_cells"] == 0
    default = imbalance_run[1] / "tables"
    small_shown = 0
    for name in COUNTED:
        exact = pd.read_parquet(out / "tables" / f"{name}.parquet")
        assert exact["exact_counts"].all() and exact["suppressed_cells"].eq(0).all(), name
        assert _counts_blank(exact) == 0 or name == "tier_load", name  # its primary beds may be unknown
        suppressed = pd.read_parquet(default / f"{name}.parquet")
        assert len(suppressed) == len(exact), name
        for col in suppressed.columns[suppressed.isna().any()]:  # the columns suppression blanks in
            if pd.api.types.is_integer_dtype(exact[col]):
                small = exact[col].between(1, 4)
                assert suppressed.loc[small, col].isna().all(), (name, col)  # blank by default
                small_shown += int(small.sum())
    assert small_shown > 0  # the generated pool has counts from 1 to 4: here they are shown


def test_simulate_with_exact_counts_says_so_in_its_json_and_its_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from analytics.reports.generate import GeneratorSpec, generate

    small = tmp_path / "small"
    generate(GeneratorSpec(clinics=2, rows=100, months=8, seed=7), small)
    runs = {}
    for exact in (False, True):
        options = ["--exact-counts"] if exact else []
        out = tmp_path / f"s{exact}"
        assert main(["report", "simulate", "-i", str(small), "-o", str(out), "--json", "-q", *options]) == 0
        runs[exact] = json.loads(capsys.readouterr().out)
        table = pd.read_csv(out / "tables" / "policy_curve.csv")
        assert table["exact_counts"].eq(exact).all()
    assert runs[False]["exact_counts"] is False and runs[True]["exact_counts"] is True
    assert any(row["missed"] is None for row in runs[False]["curve"])  # a count from 1 to 4 blank
    for column in ("referred", "confirmed_referred", "missed"):
        assert all(isinstance(row[column], int) for row in runs[True]["curve"]), column
    assert (
        main(["report", "simulate", "-i", str(small), "-o", str(tmp_path / "t"), "-q", "--exact-counts"]) == 0
    )
    printed = capsys.readouterr().out
    assert EXACT_COUNTS_BANNER in printed.splitlines()
    assert "suppressed" not in printed.replace(EXACT_COUNTS_BANNER, "")  # no count blank in its table
