"""Networks shared by the ERGM tests."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from analytics.ergm import Network


def reciprocal_network(seed: int = 4, n: int = 25) -> Network:
    """A directed random network (density about 0.12) with 40% of its ties reciprocated."""
    rng = np.random.default_rng(seed)
    adj = (rng.random((n, n)) < 0.12).astype(int)
    np.fill_diagonal(adj, 0)
    for i, j in zip(*np.nonzero(adj), strict=True):
        if rng.random() < 0.4:
            adj[j, i] = 1
    s, t = np.nonzero(adj)
    return Network(
        pd.DataFrame({"id": [str(k) for k in range(n)]}),
        pd.DataFrame({"source": s.astype(str), "target": t.astype(str)}),
    )


def strict_json_loads(text: str) -> Any:
    """``json.loads`` that rejects NaN and Infinity, as strict JSON parsers (RFC 8259) do."""

    def reject(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=reject)
