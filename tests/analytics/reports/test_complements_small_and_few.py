"""Complementary suppression hides the smallest cells it needs and no more, and leaves no small
count solvable from the published cells, all relations solved together.

Six generated clinics (`triage report generate --clinics 6 --rows 20000`, seed 7) had every tier of
2025-09 blanked (the tiers plot all hatched) and 2025-03's primary tier of 492: a complement of
365 referrals chosen before a local care of 489 that covered both relations of the month's 3
encounters with insufficient data, and a chain of complements after it. The solver here is the
test's own: a blank is determined when its unit vector is in the row space of the relations over
the blanks (rank unchanged when it is added).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.reports import indicators
from analytics.reports.disclosure import Cell, Relation, complementary, primary, report_relations
from analytics.reports.engines import DuckDBEngine
from analytics.reports.generate import GeneratorSpec, generate
from analytics.reports.pooling import pool
from analytics.reports.queries import REPORT_QUERIES


def determined(hidden: Collection[Cell], relations: Sequence[Relation]) -> set[Cell]:
    """The blanks whose value the relations, solved together over the published cells, fix."""
    cells = sorted(hidden, key=repr)
    column = {c: i for i, c in enumerate(cells)}
    rows = []
    for rel in relations:
        row = np.zeros(len(cells))
        for c in rel.totals:
            if c in column:
                row[column[c]] += 1
        for c in rel.parts:
            if c in column:
                row[column[c]] -= 1
        if row.any():
            rows.append(row)
    if not rows:  # in no relation: nothing gives a blank back
        return set()
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    out = set()
    for c in cells:
        unit = np.zeros(len(cells))
        unit[column[c]] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.add(c)
    return out


def lone(hidden: Collection[Cell], relations: Sequence[Relation]) -> list[str]:
    return [rel.name for rel in relations if sum(c in hidden for c in rel.cells) == 1]


def grid(rows: list[list[int]]) -> tuple[dict[Cell, int], list[Relation], set[Cell]]:
    """A table with its row and column totals and its grand total (kept: published anyway)."""
    values: dict[Cell, int] = {}
    relations = []
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            values[("t", i, str(j))] = v
        values[("t", i, "total")] = sum(row)
        relations.append(
            Relation(f"row {i}", (("t", i, "total"),), tuple(("t", i, str(j)) for j in range(len(row))))
        )
    for j in range(len(rows[0])):
        values[("t", "total", str(j))] = sum(r[j] for r in rows)
        relations.append(
            Relation(
                f"column {j}", (("t", "total", str(j)),), tuple(("t", i, str(j)) for i in range(len(rows)))
            )
        )
    grand: Cell = ("t", "total", "total")
    values[grand] = sum(map(sum, rows))
    relations.append(Relation("grand = rows", (grand,), tuple(("t", i, "total") for i in range(len(rows)))))
    relations.append(
        Relation("grand = columns", (grand,), tuple(("t", "total", str(j)) for j in range(len(rows[0]))))
    )
    return values, relations, {grand}


def test_the_fourth_corner_closes_the_rectangle() -> None:
    # 2 is small. Row 0's smallest other cell is 10 (column 1), column 0's is 10 (row 1); the
    # fourth corner, 20, covers row 1 and column 1 at once: four cells, the fewest a table with
    # published margins allows. The smallest cell of column 1 alone (12, row 2) had opened row 2
    # and hidden six.
    values, relations, keep = grid([[2, 10, 50], [10, 20, 50], [50, 12, 50]])
    hidden = complementary(values, primary(values, keep), relations, keep)
    assert hidden == {("t", 0, "0"), ("t", 0, "1"), ("t", 1, "0"), ("t", 1, "1")}
    assert lone(hidden, relations) == []
    assert determined(hidden, relations) == set()


def test_the_smallest_part_is_the_complement_and_a_total_only_when_needed() -> None:
    values, relations, keep = grid([[3, 40, 9], [30, 30, 8]])
    hidden = complementary(values, primary(values, keep), relations, keep)
    # row 0: 9 before 40 and before the row's total; column 0 (two rows): 30 of row 1; then the
    # corner of row 1 and column 2, 8, closes both
    assert hidden == {("t", 0, "0"), ("t", 0, "2"), ("t", 1, "0"), ("t", 1, "2")}
    assert not any(c[1] == "total" or c[2] == "total" for c in hidden)


def test_a_blank_that_relations_solve_together_gets_another_complement() -> None:
    # a, b, c pairwise in three relations: each relation has two blanks, yet a = (ab - bc + ac) / 2
    cell = {n: ("t", 0, n) for n in ("a", "b", "c", "ab", "bc", "ac")}
    values = {cell["a"]: 3, cell["b"]: 20, cell["c"]: 30, cell["ab"]: 23, cell["bc"]: 50, cell["ac"]: 33}
    relations = [
        Relation("ab", (cell["ab"],), (cell["a"], cell["b"])),
        Relation("bc", (cell["bc"],), (cell["b"], cell["c"])),
        Relation("ac", (cell["ac"],), (cell["a"], cell["c"])),
    ]
    hidden = complementary(values, {cell["a"]}, relations)
    assert cell["a"] not in determined(hidden, relations)
    assert lone(hidden, relations) == []
    # the smallest total that unlinks it, 23, and nothing more
    assert hidden == {cell["a"], cell["b"], cell["c"], cell["ab"]}


@pytest.fixture(scope="module")
def six_clinics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("six")
    generate(GeneratorSpec(clinics=6, rows=20_000, months=24, seed=7), out / "g")
    engine = DuckDBEngine(pool([out / "g"], out / "work").con)
    return {name: engine.run(sql) for name, sql in REPORT_QUERIES.items()}


def _tier(tables: dict[str, pd.DataFrame], month: str, tier: str) -> Hashable:
    tm = tables["tier_month"]
    return tm.loc[(tm["month"] == month) & (tm["tier"] == tier), "encounters"].iloc[0]


def test_six_generated_clinics_keep_their_large_tiers_and_no_small_count_is_solvable(
    six_clinics: dict[str, pd.DataFrame],
) -> None:
    raw = six_clinics
    tables = indicators.published(raw)
    true = raw["tier_month"]
    assert (
        int(true.loc[(true["month"] == "2025-03") & (true["tier"] == "primary"), "encounters"].iloc[0]) > 400
    )
    assert not pd.isna(_tier(tables, "2025-03", "primary"))
    for tier in ("primary", "secondary", "tertiary"):
        assert not pd.isna(_tier(tables, "2025-09", tier)), tier
    values, relations, keep = report_relations(raw)
    first = primary(values, keep)
    hidden = complementary(values, first, relations, keep)
    assert first, "the set has small counts to protect"
    assert lone(hidden, relations) == []
    assert determined(hidden, relations) & first == set()
    # no more than needed: publishing any one complement back exposes a small count
    for cell in hidden - first:
        back = hidden - {cell}
        assert lone(back, relations) or determined(back, relations) & first, cell
    # and the published tables blank exactly these counts
    rm = tables["region_month"]
    for (table, label, col), v in values.items():
        if table == "region_month":
            assert pd.isna(rm.loc[label, col]) == ((table, label, col) in hidden), (label, col, v)


def test_the_generated_report_set_stays_unsolvable(
    generated: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    engine = DuckDBEngine(pool([generated[0]], tmp_path / "work").con)
    raw = {name: engine.run(sql) for name, sql in REPORT_QUERIES.items()}
    values, relations, keep = report_relations(raw)
    first = primary(values, keep)
    hidden = complementary(values, first, relations, keep)
    assert lone(hidden, relations) == []
    assert determined(hidden, relations) & first == set()
