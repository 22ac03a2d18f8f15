"""Reading networks for `triage study fit` from CSV files, with errors that say what and where.

- NODES.csv: a column ``id`` and one column per attribute.
- EDGES.csv: sender and receiver ids in the columns named ``source`` and ``target`` (or ``from``
  and ``to``), in any place; further columns (weights, counts) are kept for valued models.
- A dyadic covariate is a square matrix CSV (first column and header row are node ids) or a long
  CSV ``source,target,value`` (absent pairs are 0).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.csvfiles import csv_problem, not_utf8, read_back
from analytics.ergm import Network
from analytics.ergm.network import (
    NOT_SYMMETRIC_FIX,
    asymmetric_pair,
    finite_numbers,
    not_a_number,
    one_value_per_pair,
    repeated_id_problem,
    repeated_pair_problem,
    sender_receiver,
)
from analytics.errors import NetworkInputError
from referral.errors import UserInputError, json_text
from referral.plurals import counted


def read_csv_file(path: Path, what: str, error: type[UserInputError], **options: Any) -> pd.DataFrame:
    """``pd.read_csv(path, **options)``, text without the product's formula guard
    (:func:`analytics.csvfiles.read_back`); a missing file, a folder, an empty file, a file not in
    UTF-8 or not CSV is ``error`` naming the file (and the byte that is not UTF-8)."""
    if not path.exists():
        raise error(f"{what} file {path} does not exist")
    if path.is_dir():
        raise error(f"{what} file {path} is a folder; give a CSV file")
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: {not_utf8(data, exc.start)}; save the {what} file as UTF-8") from None
    problem = csv_problem(path) if data.strip() else None  # pandas reads a short row as empty fields
    if problem:
        raise error(f"{path}: not a valid CSV file: {problem}")
    try:
        return read_back(pd.read_csv(path, **options))
    except pd.errors.EmptyDataError:
        raise error(f"{path}: the {what} file is empty (not even a header row)") from None
    except pd.errors.ParserError as exc:
        # pandas says "Error tokenizing data. C error: Expected 3 fields in line 4, saw 4\n"
        problem = csv_problem(path) or str(exc).strip().splitlines()[0]
        raise error(f"{path}: not a valid CSV file: {problem}") from None


def _read(path: Path, what: str) -> pd.DataFrame:
    table = read_csv_file(path, what, NetworkInputError, dtype=str, keep_default_na=False)
    if table.empty:
        raise NetworkInputError(f"{path}: the {what} file has a header row but no data rows")
    return table


def read_nodes(path: Path) -> pd.DataFrame:
    """NODES.csv; an empty or repeated id is refused naming its line (line 1 is the header)."""
    nodes = _read(path, "nodes")
    if "id" not in nodes.columns:
        raise NetworkInputError(f'{path}: no "id" column (columns: {", ".join(nodes.columns)})')
    empty = nodes["id"].str.strip() == ""
    if empty.any():
        raise NetworkInputError(f'{path}: line {int(np.argmax(empty.to_numpy())) + 2}, column "id": empty id')
    repeat = repeated_id_problem(path, nodes["id"])
    if repeat is not None:
        raise NetworkInputError(repeat)
    for column in nodes.columns:
        if column == "id":
            continue
        numeric = finite_numbers(nodes[column])
        if numeric.notna().all():
            nodes[column] = numeric
    return nodes


#: The edge column that marks rows as SYNTHETIC (the study's generated moves and Figure 2 edge
#: lists), ``true``/``false`` as every product CSV spells a boolean: provenance, not a weight.
SYNTHETIC_COLUMN = "synthetic"


def read_edges(path: Path, node_ids: set[str], nodes_file: str = "the nodes file") -> pd.DataFrame:
    """EDGES.csv: sender, receiver and numeric columns (weights, counts); a ``synthetic`` column
    is checked (true/false) and left out of the network (:func:`synthetic_marks` reads it)."""
    edges = _read(path, "edges")
    if SYNTHETIC_COLUMN in edges.columns:
        flags = edges[SYNTHETIC_COLUMN].str.strip().str.lower()
        bad = ~flags.isin(["true", "false", ""])
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise NetworkInputError(
                f"{path}: line {row + 2}, column {json_text(SYNTHETIC_COLUMN)}:"
                f" {json_text(edges[SYNTHETIC_COLUMN].iloc[row])} is not true or false"
            )
        edges = edges.drop(columns=SYNTHETIC_COLUMN)
    first, second = sender_receiver(path, list(edges.columns), NetworkInputError)
    edges = edges.rename(columns={first: "source", second: "target"})
    for column, header in (("source", first), ("target", second)):
        unknown = ~edges[column].isin(node_ids)
        if unknown.any():
            row = int(np.argmax(unknown.to_numpy()))
            raise NetworkInputError(
                f"{path}: line {row + 2}, column {json_text(header)}: {column}"
                f" {json_text(edges[column].iloc[row])} is not an id in {nodes_file}"
            )
    for column in edges.columns.drop(["source", "target"]):
        numeric = finite_numbers(edges[column])
        if numeric.isna().any():
            row = int(np.argmax(numeric.isna().to_numpy()))
            raise NetworkInputError(
                f"{path}: line {row + 2}, column {json_text(column)}: {not_a_number(edges[column].iloc[row])}"
            )
        edges[column] = numeric
    return edges


def read_dyadic(path: Path, ids: list[str], nodes_file: str = "the nodes file") -> np.ndarray:
    """A square matrix CSV or a long ``source,target,value`` CSV, as an n x n array in node order.

    Each problem names the line and column it is on, an id the nodes file does not have names the
    nodes file (``nodes_file``: "the nodes file nodes.csv"), and a table of neither shape says which shapes are taken."""
    table = _read(path, "dyadic covariate")
    header = [str(c) for c in header_row(path)]
    named = [c.lower() for c in header[:3]]
    if named[:2] in (["source", "target"], ["from", "to"]) and named[2:] != ["value"]:
        raise NetworkInputError(
            f"{path}: line 1: columns {json_text(header[0])} and {json_text(header[1])} but no third"
            f' column "value": a long covariate table is source,target,value (one row per pair), a'
            " matrix has the node ids in its first column and its header row"
        )
    if named in (["source", "target", "value"], ["from", "to", "value"]):
        return _long_dyadic(path, table, header, ids, nodes_file)
    return matrix_values(path, table, header, ids, nodes_file)


def header_row(path: Path) -> list[str]:
    """The header row as written (pandas renames a repeated header "R01" to "R01.1")."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def _long_dyadic(
    path: Path, table: pd.DataFrame, header: list[str], ids: list[str], nodes_file: str
) -> np.ndarray:
    index = {node: k for k, node in enumerate(ids)}
    matrix = np.zeros((len(ids), len(ids)))
    repeat = repeated_pair_problem(
        path, table.iloc[:, 0], table.iloc[:, 1], (header[0], header[1]), "value", summed=False
    )
    if repeat is not None:  # the last row's value replaced the others without a word
        raise NetworkInputError(repeat)
    for line, (a, b, v) in enumerate(table.iloc[:, :3].itertuples(index=False), start=2):
        for node, column in ((a, header[0]), (b, header[1])):
            if node not in index:
                raise NetworkInputError(
                    f"{path}: line {line}, column {json_text(column)}:"
                    f" {json_text(node)} is not an id in {nodes_file}"
                )
        try:
            matrix[index[a], index[b]] = float(v)
            if not math.isfinite(matrix[index[a], index[b]]):
                raise ValueError(v)
        except ValueError:
            raise NetworkInputError(
                f"{path}: line {line}, column {json_text(header[2])}: value {not_a_number(v)}"
            ) from None
    return matrix


def matrix_values(
    path: Path,
    table: pd.DataFrame,
    header: list[str],
    ids: list[str],
    nodes_file: str,
    error: type[UserInputError] = NetworkInputError,
) -> np.ndarray:
    """A square matrix (``table`` read as text, ``header`` as written: :func:`header_row`) in node
    order: the first column and the header row (after its first cell) are node ids, each once; an
    id the nodes file does not have, a row or column given twice, or a node without its row or
    column is ``error`` saying where (a row of another unit was left out without a word). Both
    readers of a covariate matrix (`triage study fit --edgecov`, a study's ``edgecov``) use it."""
    known = set(ids)
    rows = [str(r) for r in table.iloc[:, 0]]
    cols = header[1:]
    shape = (
        f"a matrix has a row (first column) and a column (header row) for each of the {len(ids)} nodes"
        f" in {nodes_file}, or give a long table source,target,value"
    )
    for where, labels, first_line in (("row", rows, 2), ("column", cols, None)):
        seen: dict[str, int] = {}
        for k, label in enumerate(labels):
            place = (
                f"line {first_line + k}, column {json_text(header[0])}"
                if first_line
                else f"line 1, column {k + 2}"
            )
            if label not in known:
                raise error(
                    f"{path}: {place}: {json_text(label)} is not an id in {nodes_file} (a matrix's"
                    " first column and header row are node ids)"
                )
            if label in seen:
                before = f"line {first_line + seen[label]}" if first_line else f"column {seen[label] + 2}"
                raise error(
                    f"{path}: {place}: the {where} of {json_text(label)} appears more than once"
                    f" (first at {before}); give each node one {where}"
                )
            seen[label] = k
    for where, labels in (("row (first column)", rows), ("column (header row)", cols)):
        missing = [node for node in ids if node not in set(labels)]
        if missing:
            raise error(
                f"{path}: node {json_text(missing[0])} has no {where} in the matrix"
                f" ({counted(len(rows), 'rows')}, {counted(len(cols), 'columns')}); {shape}"
            )
    body = table.set_index(table.columns[0])
    body.index = rows
    body.columns = cols
    values = body.loc[ids, ids].apply(finite_numbers)
    bad = values.isna().to_numpy()
    if bad.any():
        r, c = np.argwhere(bad)[0]
        line = rows.index(ids[r]) + 2  # line 1 is the header row
        raise error(matrix_cell_problem(path, line, ids[r], ids[c], body.loc[ids[r], ids[c]]))
    return values.to_numpy(dtype=float)


def matrix_cell_problem(path: Path, line: int, row: str, column: str, value: Any) -> str:
    """The one line for a matrix cell that is not a number: file, line, column, the cell and its value."""
    empty = value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip()
    what = "is empty; give a number" if empty else f"value {not_a_number(value)}"
    return f"{path}: line {line}, column {json_text(column)}: cell ({row}, {column}) {what}"


def _undirected_values(path: Path, matrix: np.ndarray, ids: list[str]) -> np.ndarray:
    """A covariate of an undirected network, one value per pair (:func:`one_value_per_pair`): two
    directions that differ are refused naming the pair and where each of its two values is in the
    file (line and column), as every other problem of the file is named."""
    pair = asymmetric_pair(matrix)
    if pair is None:
        return one_value_per_pair(matrix)
    i, j = pair
    a, b = json_text(ids[i]), json_text(ids[j])
    first, second = _covariate_cells(path, ids[i], ids[j])
    raise NetworkInputError(
        f"{path}: {first}: not symmetric, but the network is undirected: {a} -> {b} is"
        f" {matrix[i, j]:g} and {b} -> {a} is {matrix[j, i]:g} ({second}); {NOT_SYMMETRIC_FIX}"
    )


def _covariate_cells(path: Path, a: str, b: str) -> tuple[str, str]:
    """Where the values of ``a`` -> ``b`` and ``b`` -> ``a`` are in a covariate file read before
    (:func:`read_dyadic`): a long table's lines, a matrix's line and column."""
    table = _read(path, "dyadic covariate")
    header = [str(c) for c in header_row(path)]
    if [c.lower() for c in header[:3]] in (["source", "target", "value"], ["from", "to", "value"]):
        pairs = list(zip(table.iloc[:, 0].astype(str), table.iloc[:, 1].astype(str), strict=True))
        value = json_text(header[2])
        return (
            f"line {pairs.index((a, b)) + 2}, column {value}",
            f"line {pairs.index((b, a)) + 2}, column {value}",
        )
    rows = [str(r) for r in table.iloc[:, 0]]
    return (
        f"line {rows.index(a) + 2}, column {json_text(b)}",
        f"line {rows.index(b) + 2}, column {json_text(a)}",
    )


def read_network(
    nodes_path: Path, edges_path: Path, edgecov: dict[str, Path] | None = None, directed: bool = True
) -> Network:
    nodes = read_nodes(nodes_path)
    ids = nodes["id"].tolist()
    nodes_file = f"the nodes file {nodes_path}"
    edges = read_edges(edges_path, set(ids), nodes_file)
    matrices = {name: read_dyadic(path, ids, nodes_file) for name, path in (edgecov or {}).items()}
    if not directed:
        matrices = {
            name: _undirected_values(path, matrices[name], ids) for name, path in (edgecov or {}).items()
        }
    return Network(
        nodes,
        edges,
        directed=directed,
        edgecov=matrices,
        nodes_file=str(nodes_path),
        edges_file=str(edges_path),
    )


def _study_manifest_mark(nodes_path: Path) -> str | None:
    """The ``study.json`` (docs/study-data-format.md) beside the nodes file or one folder up whose
    frame reads this nodes file, when it (or the frame) says ``"synthetic": true``."""
    for folder in (nodes_path.parent, nodes_path.parent.parent):
        manifest = folder / "study.json"
        try:
            study = json.loads(manifest.read_text(encoding="utf-8"))
            frames = [f for f in study["frames"] if isinstance(f, dict)]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for frame in frames:
            if not isinstance(frame.get("nodes"), str):
                continue
            if (folder / frame["nodes"]).resolve() == nodes_path.resolve():
                if frame.get("synthetic", study.get("synthetic")) is True:
                    title = frame.get("title") or study.get("title")
                    return f'{manifest} says "synthetic": true' + (f" ({title})" if title else "")
                return None
    return None


def synthetic_marks(nodes_path: Path, edges_path: Path) -> list[str]:
    """What marks a network's files as SYNTHETIC (generated or made up, for teaching and testing),
    in the ways the study's data mark it: the nodes file's ``synthetic_columns`` naming columns, a
    ``synthetic`` column of the edges saying true, a ``study.json`` whose frame reads the nodes
    file saying ``"synthetic": true``. Empty: nothing says so."""
    marks = []
    nodes = read_nodes(nodes_path)
    if "synthetic_columns" in nodes.columns:
        named = sorted({c for cell in nodes["synthetic_columns"].astype(str) for c in cell.split(";") if c})
        if named:
            marks.append(f"{nodes_path}: synthetic_columns {', '.join(named)}")
    edges = _read(edges_path, "edges")
    if (
        SYNTHETIC_COLUMN in edges.columns[2:]
        and (edges[SYNTHETIC_COLUMN].str.strip().str.lower() == "true").any()
    ):
        marks.append(f"{edges_path}: {SYNTHETIC_COLUMN} column true")
    manifest = _study_manifest_mark(nodes_path)
    if manifest:
        marks.append(manifest)
    return marks
