"""Goodness of fit beyond degrees, as ergm's ``gof(fit, GOF = ~espartners + distance)``.

A model can reproduce every unit's degree and still miss how ties cluster and how far apart units
are: a dyad-independent model (the study's Models 1-3) has no term for either, so only a
comparison with networks simulated from the fit shows whether the observed network has more
shared partners or shorter paths than the model produces. Two distributions, each compared with
the networks of :func:`analytics.ergm.degree_gof.simulated_networks` (mean, 95% range, two-sided
Monte Carlo p-value):

- ``espartners``: ties by their number of edgewise shared partners - for a tie i -> j the units k
  with i -> k -> j (outgoing two-paths, ergm's default ``OTP`` for directed networks), for an
  undirected tie the common neighbours of its two ends;
- ``distance``: pairs of units by the length of the shortest path between them (ordered pairs,
  along the ties' direction, in a directed network; each pair once in an undirected one), pairs
  with no path at all counted at ``value`` infinity (R's ``Inf``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from analytics.ergm.degree_gof import gof_row, observed_adjacency, simulated_networks
from analytics.ergm.network import Network


def edgewise_shared_partners(a: np.ndarray, directed: bool) -> np.ndarray:
    """Counts of ties by their edgewise shared partners: element k is the number of ties with k
    (0 to n - 2). A tie i -> j's partners are the k with i -> k -> j; an undirected tie's (counted
    once) the common neighbours of its ends."""
    n = a.shape[0]
    a = a.astype(np.int64)
    partners = a @ a
    tie = np.triu(a, 1) if not directed else a
    return np.bincount(partners[tie == 1], minlength=max(n - 1, 1))[: max(n - 1, 1)]


def geodesic_distances(a: np.ndarray, directed: bool) -> np.ndarray:
    """Counts of pairs by the length of their shortest path: element d - 1 for d = 1 to n - 1,
    then the pairs with no path (last element). Ordered pairs in a directed network, each pair once
    in an undirected one, a unit never paired with itself."""
    n = a.shape[0]
    dist = shortest_path(csr_matrix(a), directed=directed, unweighted=True)
    pairs = ~np.eye(n, dtype=bool) if directed else np.triu(np.ones((n, n), dtype=bool), 1)
    lengths = dist[pairs]
    reached = np.isfinite(lengths)
    counts = np.bincount(lengths[reached].astype(np.int64), minlength=n)[1:n]
    return np.append(counts, np.count_nonzero(~reached))


def structure_gof(
    formula: str, coef: np.ndarray, net: Network, nsim: int = 100, seed: int | None = None
) -> pd.DataFrame:
    """The ``espartners`` and ``distance`` distributions against ``nsim`` simulated networks:
    columns statistic, value, observed, sim_mean, sim_low, sim_high, p_value (one row per value
    observed or simulated, from 0 partners and distance 1; no path is ``value`` inf)."""
    y = observed_adjacency(net)
    observed = {
        "espartners": edgewise_shared_partners(y, net.directed),
        "distance": geodesic_distances(y, net.directed),
    }
    sims = {kind: np.empty((nsim, len(counts))) for kind, counts in observed.items()}
    for s, a in enumerate(simulated_networks(formula, coef, net, nsim, seed)):
        sims["espartners"][s] = edgewise_shared_partners(a, net.directed)
        sims["distance"][s] = geodesic_distances(a, net.directed)
    rows = []
    for kind, counts in observed.items():
        sim = sims[kind]
        finite = len(counts) - 1 if kind == "distance" else len(counts)  # distance: the last is no path
        seen = np.nonzero((counts[:finite] > 0) | (sim[:, :finite].max(axis=0, initial=0) > 0))[0]
        top = int(seen.max(initial=0))
        first = 1 if kind == "distance" else 0
        for k in range(top + 1):
            rows.append(gof_row(kind, "value", float(k + first), counts[k], sim[:, k]))
        if kind == "distance":
            rows.append(gof_row(kind, "value", float("inf"), counts[-1], sim[:, -1]))
    return pd.DataFrame(rows)
