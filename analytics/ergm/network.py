"""A network with node attributes and dyadic covariates, as the ERGM terms see it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import NetworkInputError
from referral.errors import json_text


@dataclass
class Network:
    """Nodes (``id`` + attributes), edges (``source``, ``target`` [+ value columns]), covariates."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    directed: bool = True
    edgecov: dict[str, np.ndarray] | None = None
    #: The file the nodes were read from, in file order (line = row + 2); errors name it and the line.
    nodes_file: str | None = None
    index: dict[str, int] = field(init=False, repr=False)
    src: np.ndarray = field(init=False, repr=False)
    dst: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if "id" not in self.nodes.columns:
            raise NetworkInputError('nodes: no "id" column')
        ids = self.nodes["id"].astype(str)
        if ids.duplicated().any():
            raise NetworkInputError(
                f"nodes: id {json_text(ids[ids.duplicated()].iloc[0])} appears more than once"
            )
        self.nodes = self.nodes.assign(id=ids).reset_index(drop=True)
        self.index = {node: i for i, node in enumerate(self.nodes["id"])}
        edges = self.edges.rename(columns={"from": "source", "to": "target"})
        if not {"source", "target"} <= set(edges.columns):
            cols = list(edges.columns)
            if len(cols) < 2:
                raise NetworkInputError("edges: need sender and receiver columns")
            edges = edges.rename(columns={cols[0]: "source", cols[1]: "target"})
        edges = edges.assign(source=edges["source"].astype(str), target=edges["target"].astype(str))
        for column in ("source", "target"):
            unknown = ~edges[column].isin(self.index)
            if unknown.any():
                row = int(np.argmax(unknown.to_numpy()))
                raise NetworkInputError(
                    f"edges: row {row + 1}: {column} {json_text(edges[column].iloc[row])} is not a node id"
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
        values = pd.to_numeric(self.attribute(name), errors="coerce")
        if values.isna().any():
            row = int(np.argmax(values.isna().to_numpy()))
            where = (
                f"{self.nodes_file}: line {row + 2}, column {json_text(name)}: " if self.nodes_file else ""
            )
            value = self.attribute(name).tolist()[row]
            node = json_text(self.nodes["id"].iloc[row])
            has = (
                "no value (an empty cell); give a number"
                if isinstance(value, str) and not value.strip()
                else f"non-numeric value {json_text(value)}"
            )
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
                raise NetworkInputError(f"edges: no response column {json_text(column)}")
            values = pd.to_numeric(self.edges[column], errors="coerce").to_numpy(dtype=float)
            if np.isnan(values).any() or (values < 0).any():
                row = int(np.argmax(np.isnan(values) | (values < 0)))
                raise NetworkInputError(
                    f"edges: row {row + 1}: {column} {json_text(self.edges[column].tolist()[row])} is not a count"
                )
        y[self.src, self.dst] = values
        if column is None:
            y = (y > 0).astype(float)
        return y
