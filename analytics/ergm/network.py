"""A network with node attributes and dyadic covariates, as the ERGM terms see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.errors import NetworkInputError
from referral.errors import UserInputError, json_text


def repeated_id_problem(path: Path | str, ids: pd.Series) -> str | None:
    """The one line for the first node id that repeats an earlier one - file, line, column, the id
    and the line it first appeared on (line 1 is the header) - or None when every id is unique.
    Both readers of a nodes file (`triage study fit`, `triage study rebuild`) and
    :class:`Network` say it so."""
    repeated = ids.duplicated().to_numpy()
    if not repeated.any():
        return None
    row = int(np.argmax(repeated))
    node = ids.iloc[row]
    first = int(np.argmax((ids == node).to_numpy()))
    return (
        f'{path}: line {row + 2}, column "id": node id {json_text(str(node))} appears more than once'
        f" (first on line {first + 2})"
    )


def self_loops_note(path: Path | str, rows: np.ndarray, shown: int = 5) -> str | None:
    """One line for the rows of an edge or moves table from a unit to itself (``rows``: their data
    row numbers, 0 the first under the header), which every reader and fit ignores - no dyad of
    the model -, or None without any: how many, in which file and on which lines (the first
    ``shown``). `triage study fit` and `triage study rebuild` print it on stderr: both had dropped
    them without a word."""
    if not len(rows):
        return None
    lines = ", ".join(str(int(row) + 2) for row in rows[:shown])
    more = f", ... ({len(rows) - shown} more)" if len(rows) > shown else ""
    count, noun = ("1 row", "line") if len(rows) == 1 else (f"{len(rows)} rows", "lines")
    return (
        f"note: {path}: {count} from a unit to itself ignored ({noun} {lines}{more}):"
        " a tie from a unit to itself is no tie of the model"
    )


def only_self_loops_problem(rows: int, loops: int) -> str | None:
    """What is wrong with a table of ``rows`` rows, ``loops`` of them from a unit to itself, when
    every row is one (the network has no tie to fit: the fit had failed 'no convergence', or, in
    R, returned an edges coefficient of -31), else None. Said after the file or option."""
    if rows == 0 or loops < rows:
        return None
    return (
        f"every row is from a unit to itself ({rows} {'row' if rows == 1 else 'rows'}), so the network"
        " has no tie between two units to fit; give the moves between units"
    )


def finite_numbers(values: pd.Series) -> pd.Series:
    """``values`` as numbers, NaN where a cell is not a finite number: pandas reads "inf",
    "-Infinity" and "1e999" as infinite numbers, which every reader had taken, so a fit failed
    later with numpy's warnings and "no convergence ... (separation)"; its readers name the cell."""
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.where(np.isfinite(numbers.to_numpy(dtype=float)))


def not_a_number(raw: object) -> str:
    """``"lots" is not a number``, or ``"inf" is not a finite number`` for a value pandas read as
    an infinite number (shown as written, or as Python prints it when the reader parsed it)."""
    text = raw if isinstance(raw, str) else str(raw)
    number = pd.to_numeric(pd.Series([text]), errors="coerce").iloc[0]
    if pd.notna(number) and not np.isfinite(number):
        return f"{json_text(text)} is not a finite number"
    return f"{json_text(raw)} is not a number"


def repeated_pair_problem(
    path: Path | str,
    source: pd.Series,
    target: pd.Series,
    headers: tuple[str, str],
    what: str,
    *,
    summed: bool = True,
) -> str | None:
    """The one line for the first pair that repeats an earlier one in a table with ``what`` per
    pair (an edge list's weights or counts, a long covariate file's values) - file, line, columns,
    the pair and the line it first appeared on - or None. Only the first row's (or the last row's)
    value was used, without a word, so the movers of the repeated rows were lost. ``summed``:
    the rows' values add up (movers), so the message says to add them up."""
    pairs = pd.Series(list(zip(source.astype(str), target.astype(str), strict=True)))
    repeated = pairs.duplicated().to_numpy()
    if not repeated.any():
        return None
    row = int(np.argmax(repeated))
    first = int(np.argmax((pairs == pairs.iloc[row]).to_numpy()))
    a, b = pairs.iloc[row]
    noun, fix = ("tie", f" (add up its {what})") if summed else ("pair", "")
    return (
        f"{path}: line {row + 2}, columns {json_text(headers[0])} and {json_text(headers[1])}: the {noun}"
        f" {json_text(a)} -> {json_text(b)} appears more than once (first on line {first + 2}), and only"
        f" one row's {what} would be used; give each pair once{fix}"
    )


def asymmetric_pair(matrix: np.ndarray) -> tuple[int, int] | None:
    """The first pair (i < j, row by row) of an undirected network's covariate whose two directions
    both hold a value and differ, or None. A pair with a value one way and 0 the other is one
    value given once (a long table lists each pair once): :func:`one_value_per_pair`."""
    differ = ~np.isclose(matrix, matrix.T, rtol=1e-9, atol=0.0) & (matrix != 0) & (matrix.T != 0)
    if not differ.any():
        return None
    i, j = sorted(int(k) for k in np.argwhere(differ)[0])
    return i, j


def one_value_per_pair(matrix: np.ndarray) -> np.ndarray:
    """An undirected network's covariate with each pair's value both ways (a pair given one way
    only, the other 0, has it both ways): the fit reads the row of the unit listed first (i < j),
    so a pair given the other way was read as 0 without a word."""
    return np.where(matrix != 0, matrix, matrix.T)


#: The end of the message for a covariate whose two directions differ on an undirected network.
NOT_SYMMETRIC_FIX = (
    "an undirected fit reads one value per pair, so the other would be dropped: give both"
    " directions the same value, or the pair once"
)


#: The header names of an edge list's sender and receiver columns, tried in this order.
SENDER_RECEIVER = (("source", "target"), ("from", "to"))


def sender_receiver(path: Path | str, columns: list[str], error: type[UserInputError]) -> tuple[str, str]:
    """The headers of an edge list's sender and receiver columns, found by name (any case): a
    file ``source,movers,target`` had been read by position, ``movers`` as the target."""
    names = {str(column).strip().lower(): str(column) for column in reversed(columns)}
    for sender, receiver in SENDER_RECEIVER:
        if sender in names and receiver in names:
            return names[sender], names[receiver]
    raise error(
        f"{path}: the header row is {json_text(','.join(map(str, columns)))}; the sender and receiver"
        ' columns must be named "source" and "target" (or "from" and "to")'
    )


@dataclass
class Network:
    """Nodes (``id`` + attributes), edges (``source``, ``target`` [+ value columns]), covariates."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    directed: bool = True
    edgecov: dict[str, np.ndarray] | None = None
    #: The files the nodes and edges were read from, in file order (line = row + 2); errors name
    #: the file, the line and the column. Without them (tables built in memory) errors say
    #: "nodes"/"edges" and line = row + 2 as if the table were written with its header.
    nodes_file: str | None = None
    edges_file: str | None = None
    index: dict[str, int] = field(init=False, repr=False)
    src: np.ndarray = field(init=False, repr=False)
    dst: np.ndarray = field(init=False, repr=False)
    _headers: dict[str, str] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        nodes_file, edges_file = self.nodes_file or "nodes", self.edges_file or "edges"
        if "id" not in self.nodes.columns:
            raise NetworkInputError(
                f'{nodes_file}: line 1 (the header row): no "id" column'
                f" (columns: {', '.join(map(str, self.nodes.columns))})"
            )
        ids = self.nodes["id"].astype(str)
        repeat = repeated_id_problem(nodes_file, ids.reset_index(drop=True))
        if repeat is not None:
            raise NetworkInputError(repeat)
        self.nodes = self.nodes.assign(id=ids).reset_index(drop=True)
        self.index = {node: i for i, node in enumerate(self.nodes["id"])}
        first, second = sender_receiver(edges_file, list(self.edges.columns), NetworkInputError)
        self._headers = {"source": first, "target": second}
        edges = self.edges.rename(columns={first: "source", second: "target"}).reset_index(drop=True)
        edges = edges.assign(source=edges["source"].astype(str), target=edges["target"].astype(str))
        for column in ("source", "target"):
            unknown = ~edges[column].isin(self.index)
            if unknown.any():
                row = int(np.argmax(unknown.to_numpy()))
                raise NetworkInputError(
                    f"{self._edge_cell(row, column)}: {column} {json_text(edges[column].iloc[row])}"
                    " is not a node id"
                )
        self.edges = edges.reset_index(drop=True)
        self.src = edges["source"].map(self.index).to_numpy(dtype=np.int64)
        self.dst = edges["target"].map(self.index).to_numpy(dtype=np.int64)
        if not self.directed:
            lo, hi = np.minimum(self.src, self.dst), np.maximum(self.src, self.dst)
            self.src, self.dst = lo, hi
        n = self.n
        for name, matrix in (self.edgecov or {}).items():
            if np.shape(matrix) != (n, n):
                raise NetworkInputError(
                    f"edgecov {json_text(name)}: shape {np.shape(matrix)} is not {n} x {n}"
                )
            self._finite_covariate(name, matrix)
        if not self.directed and self.edgecov:
            self.edgecov = {name: self._undirected(name, m) for name, m in self.edgecov.items()}

    def _finite_covariate(self, name: str, matrix: np.ndarray) -> None:
        """Refuse a covariate given in memory with a cell that is not a finite number (NaN, an
        infinity, text), naming the covariate, the cell by row and column (nodes in the nodes
        table's order, counted from 1) and its two nodes, as the CSV readers name the file's cell:
        the fit had ended 'no convergence ... (separation)' after numpy's warnings."""
        cells = np.asarray(matrix, dtype=object)
        try:
            values = np.asarray(matrix, dtype=float)
        except (TypeError, ValueError):  # text in a cell: found cell by cell
            values = pd.DataFrame(cells).apply(finite_numbers).to_numpy(dtype=float)
        bad = np.argwhere(~np.isfinite(values))
        if not len(bad):
            return
        i, j = (int(k) for k in bad[0])
        a, b = (json_text(self.nodes["id"].iloc[k]) for k in (i, j))
        raise NetworkInputError(
            f"edgecov {json_text(name)}: row {i + 1}, column {j + 1} ({a} -> {b}):"
            f" value {not_a_number(cells[i, j])}; give a finite number for every pair"
        )

    def _undirected(self, name: str, matrix: np.ndarray) -> np.ndarray:
        """An undirected network's covariate, one value per pair: two directions that differ are
        refused naming the first pair by its row and column (nodes in the nodes table's order,
        counted from 1) - the fit read the upper triangle alone, so the lower one's values were
        dropped without a word -; a pair given one way only has it both ways, as the CSV readers
        do (:func:`one_value_per_pair`)."""
        values = np.asarray(matrix, dtype=float)
        pair = asymmetric_pair(values)
        if pair is not None:
            i, j = pair
            a, b = (json_text(self.nodes["id"].iloc[k]) for k in pair)
            raise NetworkInputError(
                f"edgecov {json_text(name)}: not symmetric, but the network is undirected: row {i + 1},"
                f" column {j + 1} ({a} -> {b}) is {values[i, j]:g} and row {j + 1}, column {i + 1}"
                f" ({b} -> {a}) is {values[j, i]:g}; {NOT_SYMMETRIC_FIX}"
            )
        return one_value_per_pair(values)

    def self_loops_note(self, shown: int = 5) -> str | None:
        """One line for the edge rows from a unit to itself, which every fit ignores (no dyad of the
        model: :meth:`response`), or None without any (:func:`self_loops_note`)."""
        return self_loops_note(self.edges_file or "edges", np.flatnonzero(self.src == self.dst), shown)

    def only_self_loops_problem(self) -> str | None:
        """What is wrong with an edge list whose every row is from a unit to itself (no tie left to
        fit), or None (:func:`only_self_loops_problem`); both backends refuse it."""
        return only_self_loops_problem(len(self.src), int((self.src == self.dst).sum()))

    def _edge_cell(self, row: int, column: str) -> str:
        """Where an edge table's cell is: file (or "edges"), line (1 is the header) and the column
        as the file spells it."""
        header = self._headers.get(column, column)
        return f"{self.edges_file or 'edges'}: line {row + 2}, column {json_text(str(header))}"

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def n_dyads(self) -> int:
        return self.n * (self.n - 1) // (1 if self.directed else 2)

    def attribute(self, name: str) -> pd.Series:
        if name not in self.nodes.columns:
            where = f"{self.nodes_file}: " if self.nodes_file else ""
            raise NetworkInputError(
                f"{where}no node attribute {json_text(name)} (attributes: {', '.join(c for c in self.nodes.columns if c != 'id')})"
            )
        return self.nodes[name]

    def numeric_attribute(self, name: str) -> np.ndarray:
        values = finite_numbers(self.attribute(name))
        if values.isna().any():
            row = int(np.argmax(values.isna().to_numpy()))
            where = f"{self.nodes_file or 'nodes'}: line {row + 2}, column {json_text(name)}: "
            value = self.attribute(name).tolist()[row]
            node = json_text(self.nodes["id"].iloc[row])
            words = not_a_number(value)
            if isinstance(value, str) and not value.strip():
                has = "no value (an empty cell); give a number"
            elif isinstance(value, float) and np.isnan(value):  # a table built in memory
                has = "no value (NaN); give a number"
            elif words.endswith("not a finite number"):
                has = f"value {json_text(value)}, not a finite number"
            else:
                has = f"non-numeric value {json_text(value)}"
            raise NetworkInputError(f"{where}node attribute {json_text(name)}: node {node} has {has}")
        return values.to_numpy(dtype=float)

    def covariate(self, name: str) -> np.ndarray:
        if not self.edgecov or name not in self.edgecov:
            raise NetworkInputError(
                f"no dyadic covariate {json_text(name)} (given: {', '.join(self.edgecov or {}) or 'none'})"
            )
        return np.asarray(self.edgecov[name], dtype=float)

    def response(self, column: str | None) -> np.ndarray:
        """Dense n x n matrix of the tie indicator (column None) or the valued response."""
        y = np.zeros((self.n, self.n))
        if column is None:
            values = np.ones(len(self.src))
        else:
            if column not in self.edges.columns:
                value_columns = [str(c) for c in self.edges.columns if c not in ("source", "target")]
                raise NetworkInputError(
                    f"{self.edges_file or 'edges'}: line 1 (the header row): no response column"
                    f" {json_text(column)} (value columns: {', '.join(value_columns) or 'none'})"
                )
            values = finite_numbers(self.edges[column]).to_numpy(dtype=float)
            if np.isnan(values).any() or (values < 0).any():
                row = int(np.argmax(np.isnan(values) | (values < 0)))
                raise NetworkInputError(
                    f"{self._edge_cell(row, column)}: {json_text(self.edges[column].tolist()[row])}"
                    " is not a count (a number 0 or more)"
                )
            lo, hi = self.edges["source"], self.edges["target"]
            if not self.directed:  # i - j and j - i are one tie
                lo, hi = lo.where(lo <= hi, hi), hi.where(lo <= hi, lo)
            headers = (self._headers.get("source", "source"), self._headers.get("target", "target"))
            repeat = repeated_pair_problem(
                self.edges_file or "edges", lo, hi, headers, f"{json_text(column)} count"
            )
            if repeat is not None:
                raise NetworkInputError(repeat)
        y[self.src, self.dst] = values
        # a tie from a unit to itself is no dyad of the model: ignored, as the study's readers ignore
        # moves within a unit; kept, it counted as a tie in an MCMC fit's observed statistics (and its
        # chain could remove it and never add it back) while an exact fit left it out
        np.fill_diagonal(y, 0.0)
        if column is None:
            y = (y > 0).astype(float)
        return y
