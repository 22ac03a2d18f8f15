"""Complementary (secondary) cell suppression across the report's additive relations (pure).

Primary suppression blanks every count from 1 to ``SMALL_CELL - 1``. A blank alone is not
enough: when a published relation (a total and its parts, the same number in two tables) has a
single blank cell, the blank is the total minus the published parts. Statistical disclosure
control's answer is complementary suppression: blank another cell of that relation, and repeat
until no relation has exactly one blank (the "simple heuristic" of sdcTable, applied here to
linked tables: a complement blanked for one relation is a blank in every relation holding it).

The complement is a non-zero published part (so totals, the figures readers use, stay
published where possible), else a total: of those, the ones that leave the fewest other relations
with a single blank, and the smallest of them. Zeros are never
chosen: a blank zero next to a blank 1-4 would still let a reader bound the pair tightly, and a
zero reveals no individual. Cells in ``keep`` (pool-wide totals that ``summary.json`` publishes
anyway) are never blanked.

What this guarantees: no blank can be solved from any single relation of :func:`report_relations`,
and no count from 1 to 4 from all of them solved together (a linear system over the blanks;
:mod:`analytics.reports.solvable`), unless no cell among the :data:`MAX_TRIALS` smallest tried
unlinks it. What it does not: a blank can still be bounded (two blanks of a relation summing to 3
are each at most 3; counts are whole and not negative), or given back by differencing two
reports over overlapping periods.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.reports.schema import HOSPITAL_NOT_IN_DIRECTORY, SMALL_CELL, TIER_NOT_RECORDED
from analytics.reports.solvable import solved

Cell = tuple[str, Hashable, str]
"""A published count: (table, row label, column). Row labels are the raw frames' index labels,
a month for ``tier_load``'s primary row, a facility id for ``hospital_centrality``."""

POOL = "pool"
"""Pseudo-table of the pool-wide totals ``summary.json`` and the policy curve publish unsuppressed."""


@dataclass(frozen=True)
class Relation:
    """``sum(totals) == sum(parts)`` holds in the published numbers."""

    name: str
    totals: tuple[Cell, ...]
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return self.totals + self.parts


def primary(
    values: Mapping[Cell, int], keep: Collection[Cell] = (), small_cell: int = SMALL_CELL
) -> set[Cell]:
    """The cells primary suppression blanks: counts from 1 to ``small_cell - 1`` (none for
    :data:`~analytics.reports.schema.EXACT_COUNTS`)."""
    return {c for c, v in values.items() if 0 < v < small_cell and c not in keep}


def complementary(
    values: Mapping[Cell, int],
    blank: Iterable[Cell],
    relations: Sequence[Relation],
    keep: Collection[Cell] = (),
) -> set[Cell]:
    """Every blank cell (``blank`` plus the complements) once no relation has exactly one blank
    and no cell of ``blank`` can be solved from the published cells, all relations together.

    A relation with a single blank gets as complement the smallest eligible (non-zero, not
    public) part, else total, among those that leave the fewest other relations with a single
    blank: a cell that also covers another relation's lone blank (the fourth corner of a
    rectangle) before one that would need complements of its own, and the smallest of those (a
    cell that opened three relations had blanked a region-month's referrals, 365, and with them
    its tiers and another month's, where local care, 489, covered both relations of the blank).
    A cell of ``blank`` that the relations solved together still give back (three blanks
    pairwise in three relations) gets the smallest published cell that unlinks it
    (:mod:`analytics.reports.solvable`). Complements that turn out not to be needed are
    published again, the largest first.
    Deterministic. A relation whose lone blank has no possible complement (every other cell zero
    or kept) is left as is; with consistent data that only happens when a kept total is itself 1-4.
    """
    first = set(blank)
    holding: dict[Cell, list[int]] = defaultdict(list)
    for i, rel in enumerate(relations):
        for cell in rel.cells:
            holding[cell].append(i)
    return _protected(first, _Linked(values, relations, holding, public(values, relations, keep)))


@dataclass(frozen=True)
class _Linked:
    """The published counts, their relations, the relations holding each cell, and the cells
    published whatever is blanked (never complements)."""

    values: Mapping[Cell, int]
    relations: Sequence[Relation]
    holding: Mapping[Cell, list[int]]
    known: Collection[Cell]

    def blanks(self, i: int, hidden: set[Cell]) -> int:
        return sum(cell in hidden for cell in self.relations[i].cells)

    def eligible(self, cell: Cell, hidden: set[Cell]) -> bool:
        return cell not in hidden and cell not in self.known and self.values[cell] > 0


MAX_TRIALS = 40
"""Cells tried, smallest first, to unlink a blank that relations solve together."""


def _protected(first: set[Cell], t: _Linked) -> set[Cell]:
    """``first`` and its complements, unsolvable, with the ones not needed published again."""
    hidden = set(first)
    _close(hidden, t)
    exposed_anyway = first & set(t.known)
    while True:
        exposed = sorted(solved(hidden, t.relations) & (first - exposed_anyway), key=repr)
        if not exposed:
            break
        choice = _breaker(exposed[0], hidden, t)
        if choice is None:
            exposed_anyway.add(exposed[0])
            continue
        hidden |= choice
    return _trim(hidden, first, exposed_anyway, t)


def _close(hidden: set[Cell], t: _Linked) -> None:
    """Add complements to ``hidden`` until no relation has a single blank (where one can be found)."""
    queue = deque(range(len(t.relations)))
    queued = set(queue)
    while queue:
        i = queue.popleft()
        queued.discard(i)
        if t.blanks(i, hidden) != 1:
            continue
        choice = _complement(t.relations[i], hidden, t)
        if choice is None:
            continue
        hidden.add(choice)
        for j in t.holding[choice]:
            if j not in queued:
                queue.append(j)
                queued.add(j)


def _complement(rel: Relation, hidden: set[Cell], t: _Linked) -> Cell | None:
    """A part (else a total) of ``rel``: of the eligible ones, those that open the fewest other
    relations, and of those the smallest."""
    for side in (rel.parts, rel.totals):
        open_cells = [
            (_opened(c, hidden, t), t.values[c], n, c) for n, c in enumerate(side) if t.eligible(c, hidden)
        ]
        if open_cells:
            return min(open_cells, key=lambda x: x[:3])[3]
    return None


def _opened(cell: Cell, hidden: set[Cell], t: _Linked) -> int:
    """How many relations blanking ``cell`` leaves with a single blank, less those it covers."""
    score = 0
    for i in t.holding[cell]:
        blanks = t.blanks(i, hidden)
        score += (blanks == 0) - (blanks == 1)
    return score


def _breaker(target: Cell, hidden: set[Cell], t: _Linked) -> set[Cell] | None:
    """The cells to add so that ``target`` is no longer solved: the first published cell (of the
    relations holding ``target``, then of those linked to it through blanks; smallest first, at
    most :data:`MAX_TRIALS`) that does it with its own complements; ``None`` when none does."""
    direct = {c for i in t.holding[target] for c in t.relations[i].cells}
    linked = {c for i in _linked(target, hidden, t) for c in t.relations[i].cells}
    candidates = sorted(
        (c for c in linked if t.eligible(c, hidden)), key=lambda c: (c not in direct, t.values[c], repr(c))
    )
    for cell in candidates[:MAX_TRIALS]:
        trial = hidden | {cell}
        _close(trial, t)
        if target not in solved(trial, t.relations):
            return trial - hidden
    return None


def _linked(target: Cell, hidden: set[Cell], t: _Linked) -> list[int]:
    """The relations joined to ``target`` through blank cells."""
    seen_cells, seen_rels = {target}, set()
    stack = [target]
    while stack:
        for i in t.holding[stack.pop()]:
            if i in seen_rels:
                continue
            seen_rels.add(i)
            for c in t.relations[i].cells:
                if c in hidden and c not in seen_cells:
                    seen_cells.add(c)
                    stack.append(c)
    return sorted(seen_rels)


def _trim(hidden: set[Cell], first: set[Cell], exposed_anyway: set[Cell], t: _Linked) -> set[Cell]:
    """Publish again each complement, largest first, whose blank no relation needs: no relation is
    left with a single blank and no blank of ``first`` becomes solvable."""
    out = set(hidden)
    for cell in sorted(out - first, key=lambda c: (-t.values[c], repr(c))):
        trial = out - {cell}
        if any(t.blanks(i, trial) == 1 for i in t.holding[cell]):
            continue
        if solved(trial, t.relations) & (first - exposed_anyway):
            continue
        out = trial
    return out


def public(values: Mapping[Cell, int], relations: Sequence[Relation], keep: Collection[Cell]) -> set[Cell]:
    """The cells whose value the kept totals give away whatever is blanked: ``keep``, and any cell
    that is the only non-zero cell of a relation not yet known (repeated). Blanking one of them
    as a complement would protect nothing (a pool with one region-month: its counts are the pool
    totals), and would leave the blank it was meant to cover as exposed as before."""
    known = set(keep)
    changed = True
    while changed:
        changed = False
        for rel in relations:
            open_cells = [c for c in rel.cells if c not in known and values[c] != 0]
            if len(open_cells) == 1:
                known.add(open_cells[0])
                changed = True
    return known


REGION_PARTS = {
    "encounters": ("local_care", "referred", "insufficient_data"),
    "referred": ("emergency_transfer", "urgent_referral", "routine_referral"),
    "completed": ("justified", "not_justified"),
}
"""Row relations of ``region_month``. The last holds only where every completed referral has the
hospital's feedback; elsewhere it bounds the counts but solves none of them."""

CLINIC_COUNTS = ("encounters", "local_care", "digital")
"""``clinic_month`` counts, each summing to the same column of its region's ``region_month`` row."""

POOL_TOTALS = (
    "encounters",
    "local_care",
    "referred",
    "justified",
    "completed",
    "urgent_arrived",
    "urgent_on_time",
)
"""Pool-wide sums published unsuppressed: ``rows_pooled``, ``local_share`` and ``referral_rate``
times it in ``summary.json``, the policy curve's ``encounters`` and ``confirmed`` (= justified),
``confirmed`` over ``justified_share`` (= completed), and ``urgent_on_time_share``'s numerator and
denominator: a float's every digit makes it a fraction (293/300) that gives both, up to a common
factor the published cells settle - a region-month's urgent count blank alone in its column was
the pool's less the others."""


def report_relations(raw: Mapping[str, pd.DataFrame]) -> tuple[dict[Cell, int], list[Relation], set[Cell]]:
    """The counts the report publishes, every additive relation among them, and the kept cells.

    ``raw`` holds the engine's count tables (:data:`analytics.reports.queries.REPORT_QUERIES`).
    """
    values: dict[Cell, int] = {}
    relations: list[Relation] = []
    rm = raw["region_month"]
    region_cell: dict[tuple[str, str], Hashable] = {}
    for idx, row in rm.iterrows():
        region_cell[(row["region_code"], row["month"])] = idx
        for col in rm.columns:
            if col not in ("region_code", "month", "urgent_median_hours"):
                values[("region_month", idx, col)] = int(row[col])
        for total, parts in REGION_PARTS.items():
            if values[("region_month", idx, total)] != sum(values[("region_month", idx, p)] for p in parts):
                continue  # completed referrals without feedback: only a bound, solves nothing
            relations.append(
                Relation(
                    f"region_month {total}",
                    (("region_month", idx, total),),
                    tuple(("region_month", idx, p) for p in parts),
                )
            )

    def region(key: tuple[str, str], col: str) -> Cell:
        return ("region_month", region_cell[key], col)

    tm = raw["tier_month"]
    for key, group in tm.groupby(["region_code", "month"], sort=True):
        key = (str(key[0]), str(key[1]))
        tiers: dict[str, Cell] = {}
        for idx, row in group.iterrows():
            tiers[str(row["tier"])] = ("tier_month", idx, "encounters")
            values[("tier_month", idx, "encounters")] = int(row["encounters"])
            values[("tier_month", idx, "region_month_total")] = int(group["encounters"].sum())
            relations.append(
                Relation(
                    "tier_month region_month_total = region_month encounters",
                    (region(key, "encounters"),),
                    (("tier_month", idx, "region_month_total"),),
                )
            )
            relations.append(
                Relation(
                    "tier_month region_month_total = its tiers",
                    (("tier_month", idx, "region_month_total"),),
                    tuple(("tier_month", i, "encounters") for i in group.index),
                )
            )
        relations.append(
            Relation(
                "region_month encounters = tier_month tiers",
                (region(key, "encounters"),),
                tuple(tiers.values()),
            )
        )
        referred = tuple(c for t, c in tiers.items() if t != "primary")
        relations.append(
            Relation(
                "region_month referred = tier_month referred tiers", (region(key, "referred"),), referred
            )
        )
        kept = (region(key, "local_care"), region(key, "insufficient_data"))
        relations.append(
            Relation(
                "tier_month primary = local_care + insufficient_data",
                (tiers["primary"],) if "primary" in tiers else (),
                kept,
            )
        )

    cm = raw["clinic_month"]
    for col in CLINIC_COUNTS:
        for idx, v in cm[col].items():
            values[("clinic_month", idx, col)] = int(v)
        for key, group in cm.groupby(["region_code", "month"], sort=True):
            key = (str(key[0]), str(key[1]))
            relations.append(
                Relation(
                    f"region_month {col} = its clinics",
                    (region(key, col),),
                    tuple(("clinic_month", i, col) for i in group.index),
                )
            )
    keep: set[Cell] = set()
    for col in POOL_TOTALS:
        cell: Cell = (POOL, 0, col)
        values[cell] = int(rm[col].sum())
        keep.add(cell)
        relations.append(
            Relation(
                f"pool {col} = its region-months", (cell,), tuple(("region_month", i, col) for i in rm.index)
            )
        )
    for month, group in cm.groupby("month", sort=True):
        cell = ("tier_load", str(month), "patients")
        values[cell] = int(group["encounters"].sum())
        relations.append(
            Relation(
                "tier_load primary patients = its region-months",
                (cell,),
                tuple(
                    ("region_month", region_cell[k], "encounters")
                    for k in sorted(region_cell)
                    if k[1] == month
                ),
            )
        )
        relations.append(
            Relation(
                "tier_load primary patients = its clinic-months",
                (cell,),
                tuple(("clinic_month", i, "encounters") for i in group.index),
            )
        )
    months = tuple(("tier_load", str(m), "patients") for m in sorted(cm["month"].unique()))
    relations.append(
        Relation("pool encounters = tier_load primary months", ((POOL, 0, "encounters"),), months)
    )
    _network_relations(raw, values, relations)
    return values, relations, keep


def _network_relations(
    raw: Mapping[str, pd.DataFrame], values: dict[Cell, int], relations: list[Relation]
) -> None:
    edges = raw["network"]
    for idx, v in edges["referrals"].items():
        values[("network_edges", idx, "referrals")] = int(v)
    tier_of = dict(zip(raw["facilities"]["facility_id"], raw["facilities"]["tier"], strict=True))
    untiered = untiered_ids(raw)
    by_tier: dict[str, list[Cell]] = defaultdict(list)
    for target, group in edges.groupby("target", sort=True):
        cell = ("hospital_centrality", str(target), "referrals")
        values[cell] = int(group["referrals"].sum())
        missing = TIER_NOT_RECORDED if target in untiered else HOSPITAL_NOT_IN_DIRECTORY
        by_tier[str(tier_of.get(target, missing))].append(cell)
        relations.append(
            Relation(
                "hospital_centrality referrals = its network_edges",
                (cell,),
                tuple(("network_edges", i, "referrals") for i in group.index),
            )
        )
    # A tier's hospitals receive the tier's referrals of every region-month when each referral
    # names a listed hospital; protected wherever that holds in the numbers.
    tm = raw["tier_month"]
    for tier, cells in by_tier.items():
        rows = tm.index[tm["tier"] == tier]
        parts = tuple(("tier_month", i, "encounters") for i in rows)
        if sum(values[c] for c in cells) == sum(values[c] for c in parts):
            relations.append(
                Relation(f"{tier} hospitals' referrals = tier_month {tier}", tuple(cells), parts)
            )


def untiered_ids(raw: Mapping[str, pd.DataFrame]) -> set[str]:
    """The facilities a facilities table lists without a usable tier (``facilities_untiered``)."""
    frame = raw.get("facilities_untiered")
    return set() if frame is None else {str(f) for f in frame["facility_id"]}


def hidden_cells(raw: Mapping[str, pd.DataFrame], small_cell: int = SMALL_CELL) -> set[Cell]:
    """Primary plus complementary blanks of the report's count tables."""
    values, relations, keep = report_relations(raw)
    return complementary(values, primary(values, keep, small_cell), relations, keep)


def column_mask(
    hidden: set[Cell], table: str, column: str, labels: Iterable[Hashable], index: pd.Index
) -> pd.Series:
    """``True`` where the row labelled ``labels[i]`` has ``column`` blank (aligned on ``index``)."""
    return pd.Series([(table, label, column) in hidden for label in labels], index=index, dtype=bool)
