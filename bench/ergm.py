"""ERGM fit time and peak memory for the study's Model 3 at n = 88, 288, 1,000 and 2,844.

At n = 88 and 288 (the study's frames) it also times Model 3's degree goodness of fit, the 40
networks ``triage study rebuild`` simulates from each frame's fit (CPU seconds).

Each size runs in its own subprocess (so its peak RSS is its own). The peer is R, measured in
the same run: R's ergm when the user's R has it, otherwise R's glm on the same dyad table (the
exact same estimator), labelled as such. R is skipped above n = 1,000 (its dyad table needs
about 8 GB at n = 2,844, see ../shared/reference/ergm.md).

    python -m bench ergm            # all sizes
    python -m bench.ergm 288        # one size
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.ergm import Network

SIZES = (88, 288, 1000, 2844)
R_MAX_N = 1000
COMMAND = "python -m bench ergm"


def _network(n: int) -> Network:
    import numpy as np
    import pandas as pd

    from analytics.ergm import Network
    from analytics.study import generator as g

    rng = np.random.default_rng(2024)
    if n == 88:
        nodes = g.real_nodes(g.FRAMES[1])
    elif n == 288:
        nodes = g.real_nodes(g.FRAMES[0])
    else:
        raw = pd.read_csv(g.DATA_DIR / "cn_counties_2020_census.csv", dtype={"code": str}).dropna(
            subset=["seat_lon_gcj02"]
        )
        raw = raw.head(n)
        nodes = pd.DataFrame(
            {
                "id": raw["code"].to_numpy(),
                "lon": raw["seat_lon_gcj02"].astype(float).to_numpy(),
                "lat": raw["seat_lat_gcj02"].astype(float).to_numpy(),
                "pop": raw["pop"].astype(float).to_numpy(),
                "UR": (raw["urbanization_rate"].astype(float) * 100).to_numpy(),
                "EDU": raw["avg_years_schooling"].astype(float).to_numpy(),
                "dialect": raw["prefecture"].astype(str).to_numpy(),  # same-prefecture proxy
            }
        )
    nodes = g.synthetic_attributes(nodes.reset_index(drop=True), rng)
    adjacency, geo, cul = g.draw_ties(nodes, g.TRUE_COEFFICIENTS["national"], rng)
    src, dst = np.nonzero(adjacency)
    ids = nodes["id"].to_numpy()
    edges = pd.DataFrame({"source": ids[src], "target": ids[dst]})
    return Network(nodes[["id", *g.NODE_TERMS]], edges, edgecov={"GeoProx": geo, "CulProx": cul})


#: Section 1's scale case: ten covariates (Model 3's nine plus the senders' schooling).
TEN_COVARIATES = 'nodeocov("EDU")'


def prepared(n: int, ten: bool = False) -> tuple[str, Network]:
    """What a size fits: Model 3's formula (with ``ten``: ten covariates) and the network of ``n``
    units (tests/unit/test_bench_ergm_data.py fits it at the study's n = 88 on both backends)."""
    from analytics.study.models import FORMULAS

    return FORMULAS["Model 3"] + (f" + {TEN_COVARIATES}" if ten else ""), _network(n)


def _one(n: int, backend: str, ten: bool = False) -> dict[str, float | str]:
    formula, net = prepared(n, ten)
    from analytics.ergm import ergm

    if backend == "r":
        from analytics.rbridge import r_available, r_has_ergm

        r_available()  # start embedded R before timing
        r_has_ergm()
    start = time.perf_counter()
    result = ergm(formula, net, backend=backend)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "n": n,
        "backend": backend,
        "seconds": seconds,
        "peak_mb": peak_mb,
        "method": result.method,
        "dyads": result.n_dyads,
        "terms": len(result.terms),
    }


#: The goodness of fit ``triage study rebuild`` draws for each frame's Model 3.
GOF_SIMULATIONS = 40


def _gof(n: int) -> dict[str, float | str]:
    """CPU seconds of Model 3's degree goodness of fit (40 networks simulated from the fit)."""
    from analytics.ergm import ergm
    from analytics.study.models import FORMULAS

    result = ergm(FORMULAS["Model 3"], _network(n))
    start = time.process_time()
    result.gof(nsim=GOF_SIMULATIONS, seed=20231101)
    return {"n": n, "backend": "gof", "seconds": time.process_time() - start, "dyads": result.n_dyads}


def _run_child(n: int, backend: str, ten: bool = False) -> dict[str, float | str] | None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.ergm", "--child", str(n), backend, *(["ten"] if ten else [])],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        print(
            f"  n={n} {backend}: failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}"
        )
        return None
    data: dict[str, float | str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def main(sizes: tuple[int, ...] = SIZES) -> None:
    from analytics.rbridge import r_available, r_has_ergm

    r_ok, r_info = r_available()
    peer = "R ergm" if r_ok and r_has_ergm() else ("R glm (R's ergm not installed)" if r_ok else "none")
    print(f"command: {COMMAND}; Model 3 (10 terms); peer: {peer}{'' if r_ok else ' - ' + r_info}")
    print(
        f"{'n':>6} {'dyads':>10} {'python s':>9} {'peak MB':>8} {'R s':>8} {'R peak MB':>9} {'R/python':>9}"
    )
    for n in sizes:
        ours = _run_child(n, "python")
        theirs = _run_child(n, "r") if r_ok and n <= R_MAX_N else None
        if ours is None:
            continue
        r_s = f"{float(theirs['seconds']):8.2f}" if theirs else f"{'-':>8}"
        r_mb = f"{float(theirs['peak_mb']):9.0f}" if theirs else f"{'-':>9}"
        ratio = f"{float(theirs['seconds']) / float(ours['seconds']):8.1f}x" if theirs else f"{'-':>9}"
        print(
            f"{n:>6} {int(ours['dyads']):>10} {float(ours['seconds']):9.2f} {float(ours['peak_mb']):8.0f} {r_s} {r_mb} {ratio}"
        )
    if max(sizes) >= 2844:
        big = _run_child(2844, "python", ten=True)
        if big:
            print(
                f"n = 2,844 with ten covariates ({int(big['terms'])} terms incl. edges): "
                f"{float(big['seconds']):.2f} s, peak {float(big['peak_mb']):.0f} MB"
            )
    for n in (size for size in sizes if size <= 288):  # the study's frames: 88 and 288 units
        gof = _run_child(n, "gof")
        if gof:
            print(
                f"goodness of fit of Model 3 at n = {n} ({GOF_SIMULATIONS} simulated networks, as the"
                f" study rebuild): {float(gof['seconds']):.2f} s CPU"
            )
    print("targets: n = 2,844 within 60 s and 4 GiB; at least 5x faster than R's ergm at n = 288")
    print(
        "(R times exclude R start-up and include passing the data to R; the R peak is the child process, which also holds Python.)"
    )


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        if sys.argv[3] == "gof":
            print(json.dumps(_gof(int(sys.argv[2]))))
        else:
            print(
                json.dumps(
                    _one(int(sys.argv[2]), sys.argv[3], ten=len(sys.argv) > 4 and sys.argv[4] == "ten")
                )
            )
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
