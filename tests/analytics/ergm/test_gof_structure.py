"""Goodness of fit of edgewise shared partners and geodesic distances (ergm's espartners and
distance): the observed distributions against networkx's, and a model that misses clustering
flagged where a well-specified one is not."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd

from analytics.ergm import Network, ergm


def _network(adj: np.ndarray, directed: bool = True) -> Network:
    s, t = np.nonzero(np.triu(adj, 1) if not directed else adj)
    return Network(
        pd.DataFrame({"id": [f"u{k}" for k in range(len(adj))]}),
        pd.DataFrame({"source": [f"u{k}" for k in s], "target": [f"u{k}" for k in t]}),
        directed=directed,
    )


def _random(n: int, density: float, seed: int, directed: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    adj = (rng.random((n, n)) < density).astype(int)
    if not directed:
        adj = np.triu(adj, 1)
        adj = adj + adj.T
    np.fill_diagonal(adj, 0)
    return adj


def _networkx_espartners(graph: nx.Graph) -> dict[float, int]:
    """Ties by their shared partners, counted with networkx: for i -> j the k with i -> k -> j
    (outgoing two-paths, ergm's OTP), for an undirected tie the common neighbours."""
    counts: dict[float, int] = {}
    for i, j in graph.edges():
        if graph.is_directed():
            k = sum(1 for m in graph.successors(i) if graph.has_edge(m, j))
        else:
            k = len(set(graph[i]) & set(graph[j]))
        counts[float(k)] = counts.get(float(k), 0) + 1
    return counts


def _networkx_distances(graph: nx.Graph) -> dict[float, int]:
    """Pairs by shortest-path length (ordered pairs when directed), no path at infinity."""
    nodes = list(graph.nodes())
    lengths = dict(nx.all_pairs_shortest_path_length(graph))
    counts: dict[float, int] = {}
    for a, u in enumerate(nodes):
        for b, v in enumerate(nodes):
            if u == v or (not graph.is_directed() and b < a):
                continue
            d = float(lengths[u].get(v, math.inf))
            counts[d] = counts.get(d, 0) + 1
    return counts


def _observed(table: pd.DataFrame, statistic: str) -> dict[float, int]:
    part = table[(table["statistic"] == statistic) & (table["observed"] > 0)]
    return dict(zip(part["value"].astype(float), part["observed"].astype(int), strict=True))


def test_observed_shared_partners_and_distances_are_networkxs() -> None:
    for directed, seed in ((True, 3), (True, 11), (False, 5)):
        adj = _random(14, 0.18, seed, directed)
        graph = nx.from_numpy_array(adj, create_using=nx.DiGraph if directed else nx.Graph)
        table = ergm("edges", _network(adj, directed)).gof_structure(nsim=5, seed=1)
        assert _observed(table, "espartners") == _networkx_espartners(graph)
        assert _observed(table, "distance") == _networkx_distances(graph)


def test_every_simulated_network_has_its_ties_and_pairs_counted_once() -> None:
    n = 12
    table = ergm("edges", _network(_random(n, 0.2, 7))).gof_structure(nsim=30, seed=2)
    distance = table[table["statistic"] == "distance"]
    # every ordered pair of units is at one distance (or none) in every simulated network
    assert math.isclose(distance["sim_mean"].sum(), n * (n - 1))
    assert distance["observed"].sum() == n * (n - 1)
    # the ties at distance 1 are the ties counted by their shared partners
    espartners = table[table["statistic"] == "espartners"]
    assert math.isclose(
        espartners["sim_mean"].sum(), float(distance[distance["value"] == 1]["sim_mean"].iloc[0])
    )
    assert (table["sim_low"] <= table["sim_high"]).all() and table["p_value"].between(0, 1).all()


def test_a_model_without_clustering_is_flagged_on_a_clustered_network() -> None:
    # eight disjoint groups of four units, every tie within a group: each tie has 2 shared
    # partners and no pair across groups has a path, which a Bernoulli graph of the same density
    # almost never produces; its degrees, all 3, are unremarkable for it
    groups, size = 8, 4
    adj = np.kron(np.eye(groups, dtype=int), np.ones((size, size), dtype=int))
    np.fill_diagonal(adj, 0)
    table = ergm("edges", _network(adj)).gof_structure(nsim=40, seed=4)
    row = table.set_index(["statistic", "value"])
    assert row.loc[("espartners", 2.0), "observed"] == groups * size * (size - 1)
    assert row.loc[("espartners", 2.0), "p_value"] < 0.05
    assert row.loc[("distance", math.inf), "p_value"] < 0.05
    # the same check on a network drawn from the model fitted flags little
    fitted = ergm("edges", _network(_random(32, 0.09, 9))).gof_structure(nsim=40, seed=4)
    assert (fitted["p_value"] < 0.05).mean() < 0.25
