"""Reading a study data folder (embedded or bring-your-own) into fit-ready frames.

The format is documented in ``docs/study-data-format.md``: ``study.json`` lists frames; each
frame has a node table and either individual moves (origin, destination) or an edge list, and
optionally dyadic covariate matrices (computed from coordinates and dialect when absent).
Every problem raises ``StudyDataError`` naming the file, the row or column, and the value.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.ergm.network import (
    finite_numbers,
    not_a_number,
    only_self_loops_problem,
    repeated_id_problem,
    repeated_pair_problem,
    self_loops_note,
    sender_receiver,
)
from analytics.network_files import SYNTHETIC_COLUMN, header_row, matrix_values, read_csv_file
from analytics.study.geography import cultural_proximity, geographic_proximity
from referral.errors import UserInputError, json_text
from referral.plurals import counted

REQUIRED_NODE_COLUMNS = ("id", "lon", "lat")
#: What a SYNTHETIC frame's stamp says when its study.json does not say which parts are generated.
UNSPECIFIED_PARTS = 'all of this data, as its study.json marks it (no "synthetic_parts" says which parts)'


class StudyDataError(UserInputError):
    code = "invalid_study_data"


#: A frame's note when GeoProx is computed from the seats' coordinates (no matrix given): the paper
#: measures it as the inverse Euclidean distance, so its GeoProx is not this one.
GEOPROX_COMPUTED = "GeoProx computed from coordinates (100 km / great-circle distance)"


@dataclass(frozen=True)
class Frame:
    """One network of the study: nodes, binary ties, flows and dyadic covariates."""

    key: str
    title: str
    table: str
    nodes: pd.DataFrame
    edges: pd.DataFrame  # source, target, movers (ties only, movers >= min_movers)
    edgecov: dict[str, np.ndarray]
    min_movers: int
    synthetic: bool
    n_moves: int | None = None
    notes: list[str] = field(default_factory=list)
    source: str = ""
    """Where the frame's data come from, in one line (:func:`source_line`), under its figures."""
    synthetic_parts: str = ""
    """Which parts of a SYNTHETIC frame are generated (and which are real), from study.json's
    ``synthetic_parts``; its stamp says it (:attr:`stamp`)."""
    self_loops: str = ""
    """The note on the moves or edge rows from a unit to itself that were ignored (how many, where;
    :func:`analytics.ergm.network.self_loops_note`), empty without any: `triage study rebuild` says
    it on stderr, as `triage study fit` does, and the report under the frame's table."""

    @property
    def stamp(self) -> str:
        """The SYNTHETIC label of the frame's figures and tables, naming what is generated; empty
        for a frame not marked SYNTHETIC. "SYNTHETIC flows and facility counts" had been stamped on
        every study's figures: the embedded dataset's GDP, ENV and INT are generated too, and the
        worked example's units are made up whole."""
        return f"SYNTHETIC: {self.synthetic_parts or UNSPECIFIED_PARTS}" if self.synthetic else ""

    @property
    def n(self) -> int:
        return len(self.nodes)

    def adjacency(self) -> np.ndarray:
        index = {node: i for i, node in enumerate(self.nodes["id"])}
        adj = np.zeros((self.n, self.n), dtype=np.int8)
        adj[self.edges["source"].map(index).to_numpy(), self.edges["target"].map(index).to_numpy()] = 1
        return adj


@dataclass(frozen=True)
class StudyData:
    folder: Path
    title: str
    synthetic: bool
    frames: list[Frame]
    manifest: dict[str, Any]
    synthetic_parts: str = ""


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    ids = {"id": str, "origin": str, "destination": str, "source": str, "target": str}
    return read_csv_file(path, what, StudyDataError, dtype=ids)


def _check_nodes(nodes: pd.DataFrame, path: Path, attributes: list[str]) -> pd.DataFrame:
    for column in (*REQUIRED_NODE_COLUMNS, *attributes):
        if column not in nodes.columns:
            raise StudyDataError(
                f"{path}: missing column {json_text(column)} (columns: {', '.join(nodes.columns)})"
            )
    nodes = nodes.copy()
    if nodes.empty:
        raise StudyDataError(f"{path}: the nodes file has a header row but no data rows")
    _refuse_empty(path, nodes["id"], "id", "give each unit an id")
    nodes["id"] = nodes["id"].astype(str)
    repeat = repeated_id_problem(path, nodes["id"])
    if repeat is not None:
        raise StudyDataError(repeat)
    for column in ("lon", "lat", *attributes):
        numeric = finite_numbers(nodes[column])
        bad = numeric.isna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise StudyDataError(
                f"{path}: line {row + 2}, column {json_text(column)}: value {not_a_number(nodes[column].iloc[row])}"
            )
        nodes[column] = numeric.astype(float)
    for column, limit, unit in (("lon", 180, "degrees east"), ("lat", 90, "degrees north")):
        outside = nodes[column].abs() > limit
        if outside.any():  # a seat off the globe: GeoProx and the maps were computed from it
            row = int(np.argmax(outside.to_numpy()))
            raise StudyDataError(
                f"{path}: line {row + 2}, column {json_text(column)}: value {nodes[column].iloc[row]:g} is outside"
                f" -{limit} to {limit} ({unit})"
            )
    return nodes


def _refuse_empty(path: Path, values: pd.Series, header: str, fix: str = "give a node id") -> None:
    """An empty id cell, named by line and column: read as NaN, it had become the id "nan" (an empty
    node id made a unit called nan) or was quoted as 'source NaN is not a node id'."""
    empty = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
    if empty.any():
        raise StudyDataError(
            f"{path}: line {int(np.argmax(empty)) + 2}, column {json_text(header)} is empty; {fix}"
        )


def _self_loops(path: Path, source: pd.Series, target: pd.Series) -> str:
    """The note on the rows from a unit to itself (ignored: no dyad of the model), empty without
    any; a table of nothing else is refused, as `triage study fit --edges` refuses it - it had
    been dropped without a word, then refused as a threshold that left no tie."""
    loops = (source.astype(str) == target.astype(str)).to_numpy()
    problem = only_self_loops_problem(len(loops), int(loops.sum()))
    if problem is not None:
        raise StudyDataError(f"{path}: {problem}")
    return self_loops_note(path, np.flatnonzero(loops)) or ""


def _ties_from_moves(
    moves: pd.DataFrame, path: Path, ids: set[str], min_movers: int
) -> tuple[pd.DataFrame, int, str]:
    for column in ("origin", "destination"):
        if column not in moves.columns:
            raise StudyDataError(f"{path}: missing column {json_text(column)}")
        _refuse_empty(path, moves[column], column)
        unknown = ~moves[column].astype(str).isin(ids)
        if unknown.any():
            row = int(np.argmax(unknown.to_numpy()))
            raise StudyDataError(
                f"{path}: line {row + 2}, column {json_text(column)}: {column}"
                f" {json_text(moves[column].iloc[row])} is not a node id of the frame"
            )
    loops = _self_loops(path, moves["origin"], moves["destination"])
    movers = moves[moves["origin"] != moves["destination"]].groupby(["origin", "destination"]).size()
    edges = (
        movers.rename("movers").reset_index().rename(columns={"origin": "source", "destination": "target"})
    )
    return edges[edges["movers"] >= min_movers].reset_index(drop=True), len(moves), loops


def _ties_from_edges(
    edges: pd.DataFrame, path: Path, ids: set[str], min_movers: int
) -> tuple[pd.DataFrame, str]:
    first, second = sender_receiver(path, list(edges.columns), StudyDataError)
    others = [c for c in edges.columns if c not in (first, second, SYNTHETIC_COLUMN)]
    edges = edges.rename(columns={first: "source", second: "target"})
    for column, header in (("source", first), ("target", second)):
        _refuse_empty(path, edges[column], header)
        edges[column] = edges[column].astype(str)
        unknown = ~edges[column].isin(ids)
        if unknown.any():
            row = int(np.argmax(unknown.to_numpy()))
            raise StudyDataError(
                f"{path}: line {row + 2}, column {json_text(str(header))}: {column}"
                f" {json_text(edges[column].iloc[row])} is not a node id"
            )
    loops = _self_loops(path, edges["source"], edges["target"])
    weight = others[0] if others else None
    if weight is not None:
        raw = edges[weight]  # kept: the weight column may itself be called "movers"
        edges["movers"] = finite_numbers(raw)
        if edges["movers"].isna().any():
            row = int(np.argmax(edges["movers"].isna().to_numpy()))
            raise StudyDataError(
                f"{path}: line {row + 2}, column {json_text(weight)}: weight {not_a_number(raw.iloc[row])}"
            )
        if (edges["movers"] < 0).any():  # a number of movers: below min_movers, it was no tie unsaid
            row = int(np.argmax((edges["movers"] < 0).to_numpy()))
            raise StudyDataError(
                f"{path}: line {row + 2}, column {json_text(weight)}: weight {json_text(raw.iloc[row])}"
                " is not a number of movers (a number 0 or more)"
            )
        repeat = repeated_pair_problem(path, edges["source"], edges["target"], (first, second), "weight")
        if repeat is not None:
            raise StudyDataError(repeat)
        edges = edges[edges["movers"] >= min_movers]
    else:
        edges["movers"] = 1
    edges = edges[edges["source"] != edges["target"]].drop_duplicates(["source", "target"])
    return edges[["source", "target", "movers"]].reset_index(drop=True), loops


def _read_matrix(path: Path, ids: list[str], nodes_path: Path) -> np.ndarray:
    """A covariate matrix, as `triage study fit --edgecov` reads one: a unit the nodes file does not
    have (its row and column were left out without a word) or a row given twice is refused naming
    its line."""
    table = read_csv_file(path, "dyadic covariate", StudyDataError, dtype=str, keep_default_na=False)
    if table.empty:
        raise StudyDataError(f"{path}: the dyadic covariate file has a header row but no data rows")
    return matrix_values(path, table, header_row(path), ids, f"the nodes file {nodes_path}", StudyDataError)


def _check_some_ties(manifest: Path, key: str, ties: int, n: int, min_movers: int) -> None:
    """A network of no ties (or of every possible tie) has no maximum-likelihood estimate: the fit
    ended in 'no convergence after 60 Newton steps ... (separation)', naming neither the frame nor
    the threshold that emptied it."""
    dyads = n * (n - 1)
    if 0 < ties < dyads:
        return
    what = "no pair of units has" if ties == 0 else "every ordered pair of units has"
    raise StudyDataError(
        f"{manifest}: frame {json_text(key)}: {what} at least {counted(min_movers, 'movers')}"
        f" ({counted(ties, 'ties')} of {counted(dyads, 'dyads')}), so no model can be fitted; check the moves"
        " or edges file, or min_movers"
    )


def load_frame(
    folder: Path,
    spec: dict[str, Any],
    attributes: list[str],
    synthetic: bool = False,
    synthetic_parts: str = "",
) -> Frame:
    """One frame of ``study.json``; ``synthetic`` and ``synthetic_parts`` are the study's, which a
    frame may override."""
    key = str(spec.get("key", "frame"))
    nodes_path = folder / str(spec.get("nodes", f"{key}/nodes.csv"))
    nodes = _check_nodes(_read_csv(nodes_path, "nodes"), nodes_path, attributes)
    ids = nodes["id"].tolist()
    min_movers = int(spec.get("min_movers", 1))
    n_moves: int | None = None
    if "moves" in spec:
        moves_path = folder / str(spec["moves"])
        edges, n_moves, loops = _ties_from_moves(
            _read_csv(moves_path, "moves"), moves_path, set(ids), min_movers
        )
    elif "edges" in spec:
        edges_path = folder / str(spec["edges"])
        # every column as text: the sender and receiver are found by name (any case, "from,to"),
        # and ids such as "01" under them had been read as the number 1
        table = read_csv_file(edges_path, "edges", StudyDataError, dtype=str)
        edges, loops = _ties_from_edges(table, edges_path, set(ids), min_movers)
    else:
        raise StudyDataError(
            f'{folder / "study.json"}: frame {json_text(key)} needs either "moves" or "edges"'
        )
    _check_some_ties(folder / "study.json", key, len(edges), len(ids), min_movers)
    edgecov: dict[str, np.ndarray] = {}
    for name, rel in dict(spec.get("edgecov", {})).items():
        edgecov[name] = _read_matrix(folder / str(rel), ids, nodes_path)
    notes = []
    if "GeoProx" not in edgecov:
        edgecov["GeoProx"] = geographic_proximity(nodes["lon"], nodes["lat"])
        notes.append(GEOPROX_COMPUTED)
    if "CulProx" not in edgecov:
        if "dialect" not in nodes.columns:
            raise StudyDataError(
                f"{nodes_path}: no CulProx matrix given and no 'dialect' column to compute it"
            )
        edgecov["CulProx"] = cultural_proximity(nodes["dialect"].fillna("").astype(str))
        notes.append("CulProx computed from the dialect column (same dialect region = 1)")
    return Frame(
        key=key,
        title=str(spec.get("title", key)),
        table=str(spec.get("table", "")),
        nodes=nodes,
        edges=edges,
        edgecov=edgecov,
        min_movers=min_movers,
        synthetic=bool(spec.get("synthetic", synthetic)),
        n_moves=n_moves,
        notes=notes,
        synthetic_parts=str(spec.get("synthetic_parts", synthetic_parts)),
        self_loops=loops,
    )


#: A frame's key: it names the frame's output files.
_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")
#: The keys of study.json (docs/study-data-format.md): the study's own, then the provenance the
#: embedded dataset's generator writes (generator, seed, true_coefficients, truth_notes).
STUDY_KEYS = (
    "title", "synthetic", "synthetic_parts", "frames", "generator", "seed", "true_coefficients", "truth_notes",
)  # fmt: skip
#: The keys of a frame of study.json.
FRAME_KEYS = (
    "key", "title", "table", "nodes", "moves", "edges", "min_movers", "edgecov", "synthetic", "synthetic_parts",
)  # fmt: skip


def _check_shape(manifest_path: Path, where: str, holder: dict[str, Any], known: tuple[str, ...]) -> None:
    """A key study.json's format does not have (a misspelt ``min_mover`` had been ignored without a
    word, the threshold left at 1), or a value of the wrong kind (``"synthetic": "false"`` had
    marked the data SYNTHETIC, ``"edgecov": [...]`` was a traceback): refused naming the place."""
    here = f"{manifest_path}: {where or 'the top level'}"
    for name in holder:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {json_text(close[0])}?)" if close else ""
            raise StudyDataError(
                f"{here} has a key {json_text(name)} the format does not have{hint}; the keys: {', '.join(known)}"
                " (docs/study-data-format.md)"
            )
    dot = f"{where}." if where else ""
    for name in ("title", "table", "nodes", "moves", "edges"):
        value = holder.get(name, "")
        if name in holder and (not isinstance(value, str) or (name not in ("title", "table") and not value)):
            what = "a text" if name in ("title", "table") else "a file path (relative to study.json's folder)"
            raise StudyDataError(f"{manifest_path}: {dot}{name} must be {what}, got {json_text(value)}")
    if "synthetic" in holder and not isinstance(holder["synthetic"], bool):
        raise StudyDataError(
            f"{manifest_path}: {dot}synthetic must be true or false (JSON, no quotes), got {json_text(holder['synthetic'])}"
        )
    edgecov = holder.get("edgecov", {})
    if not isinstance(edgecov, dict) or not all(isinstance(v, str) and v for v in edgecov.values()):
        raise StudyDataError(
            f'{manifest_path}: {dot}edgecov must be an object of NAME: file path (e.g. {{"GeoProx": "GeoProx.csv"}}),'
            f" got {json_text(edgecov)}"
        )
    if "moves" in holder and "edges" in holder:
        raise StudyDataError(
            f'{manifest_path}: {where} gives both "moves" and "edges"; give one of the two (the moves were'
            " read and the edges left unread without a word)"
        )


def load_study(folder: Path, attributes: list[str]) -> StudyData:
    manifest_path = folder / "study.json"
    if not manifest_path.exists():
        raise StudyDataError(f"{folder}: no study.json (see docs/study-data-format.md)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise StudyDataError(
            f"{manifest_path}: byte {exc.start} is not UTF-8; save the file as UTF-8"
        ) from None
    except json.JSONDecodeError as exc:
        raise StudyDataError(f"{manifest_path}: invalid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise StudyDataError(
            f"{manifest_path}: expected a JSON object with 'frames', got {type(manifest).__name__}"
        )
    specs = manifest.get("frames")
    if not isinstance(specs, list) or not specs:
        raise StudyDataError(f"{manifest_path}: 'frames' must be a non-empty list")
    _check_shape(manifest_path, "", manifest, STUDY_KEYS)
    keys: dict[str, int] = {}
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise StudyDataError(f"{manifest_path}: frames[{i}] must be an object, got {json_text(spec)}")
        _check_shape(manifest_path, f"frames[{i}]", spec, FRAME_KEYS)
        key = spec.get("key", "frame")
        # the key names the output files (table_<key>.csv ...): "../x" was a traceback (OSError)
        # writing outside --out, and a key given twice wrote the second frame over the first
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise StudyDataError(
                f"{manifest_path}: frames[{i}].key {json_text(key)} is not a short name (letters, digits,"
                " _ and -, up to 40): it names the frame's output files"
            )
        if key in keys:
            raise StudyDataError(
                f"{manifest_path}: frames[{i}].key {json_text(key)} is the key of frames[{keys[key]}] too;"
                " each frame's outputs are named by its key, so give each frame its own"
            )
        keys[key] = i
        movers = spec.get("min_movers", 1)
        if isinstance(movers, bool) or not isinstance(movers, int) or movers < 1:
            raise StudyDataError(
                f"{manifest_path}: frames[{i}].min_movers must be a whole number of at least 1, got {json_text(movers)}"
            )
    for where, holder in [("synthetic_parts", manifest)] + [
        (f"frames[{i}].synthetic_parts", spec) for i, spec in enumerate(specs)
    ]:
        parts = holder.get("synthetic_parts", "")
        if not isinstance(parts, str):
            raise StudyDataError(
                f"{manifest_path}: {where} must be a text saying which parts are generated, got {json_text(parts)}"
            )
    synthetic = bool(manifest.get("synthetic", False))
    synthetic_parts = str(manifest.get("synthetic_parts", ""))
    source = source_line(manifest_path, manifest)
    frames = [
        replace(load_frame(folder, spec, attributes, synthetic, synthetic_parts), source=source)
        for spec in specs
    ]
    return StudyData(
        folder=folder,
        title=str(manifest.get("title", folder.name)),
        synthetic=synthetic,
        frames=frames,
        manifest=manifest,
        synthetic_parts=synthetic_parts,
    )


def source_line(manifest_path: Path, manifest: dict[str, Any]) -> str:
    """Where a study's data come from, in one line for its figures (a PNG is often passed on
    alone): the study's title and ``study.json``, the generator and seed of generated data, and
    the attribution file when there is one."""
    parts = [str(manifest_path)]
    if manifest.get("generator"):
        parts.append(f"generated by {manifest['generator']}, seed {manifest.get('seed')}")
    if (manifest_path.parent / "ATTRIBUTION.txt").exists():
        parts.append(f"attribution in {manifest_path.parent / 'ATTRIBUTION.txt'}")
    return f"Source: {manifest.get('title') or manifest_path.parent.name} ({'; '.join(parts)})"
