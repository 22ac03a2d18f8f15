"""Which blank cells the published numbers still give back when their relations are solved together
(pure).

Complementary suppression (:mod:`analytics.reports.disclosure`) leaves no relation with a single
blank, but two or more relations together are a linear system over the blanks: three blanks linked
by four relations can be solved although each relation holds two of them. A blank is solved when
its value is the same in every solution of that system, that is when it takes no part in the
system's null space. Each group of blanks linked by relations is solved on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, TypeVar, cast

import numpy as np

C = TypeVar("C")

TOLERANCE = 1e-9
"""Singular values and null-space weights below this are zero (the coefficients are 1 and -1)."""


class Linked(Protocol):
    """A relation: ``sum(totals) == sum(parts)`` (:class:`analytics.reports.disclosure.Relation`)."""

    @property
    def totals(self) -> tuple[object, ...]: ...

    @property
    def parts(self) -> tuple[object, ...]: ...


def solved(hidden: Collection[C], relations: Sequence[Linked]) -> set[C]:
    """The cells of ``hidden`` whose value the published cells and ``relations`` determine."""
    blank = set(hidden)
    groups = _groups(blank, relations)
    out: set[C] = set()
    for cells, rels in groups:
        if not rels:  # in no relation: nothing gives it back
            continue
        column = {c: i for i, c in enumerate(cells)}
        matrix = np.zeros((len(rels), len(cells)))
        for row, rel in enumerate(rels):
            for c in rel.totals:
                if c in column:
                    matrix[row, column[c]] += 1.0
            for c in rel.parts:
                if c in column:
                    matrix[row, column[c]] -= 1.0
        _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
        rank = int((singular > TOLERANCE).sum())
        free = vt[rank:]
        weight = np.abs(free).sum(axis=0) if len(free) else np.zeros(len(cells))
        out.update(c for c, w in zip(cells, weight, strict=True) if w < TOLERANCE)
    return out


def _groups(blank: set[C], relations: Sequence[Linked]) -> list[tuple[list[C], list[Linked]]]:
    """The blanks split into groups that no relation links, each with the relations holding them."""
    parent: dict[C, C] = {c: c for c in blank}

    def root(c: C) -> C:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    holding: list[tuple[Linked, list[C]]] = []
    for rel in relations:
        cells = [cast(C, c) for c in (*rel.totals, *rel.parts) if c in blank]
        if not cells:
            continue
        holding.append((rel, cells))
        for c in cells[1:]:
            parent[root(c)] = root(cells[0])
    members: dict[C, list[C]] = {}
    for c in sorted(blank, key=repr):
        members.setdefault(root(c), []).append(c)
    rels: dict[C, list[Linked]] = {r: [] for r in members}
    for rel, cells in holding:
        rels[root(cells[0])].append(rel)
    return [(members[r], rels[r]) for r in members]
