"""Shared by the `triage study fit` CLI tests: the example study, a short MCMC fit's arguments, synthetic
input files and running the real entry point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from triage.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


#: A dyad-dependent fit on the 12-unit example (132 dyads), with a short bridge: about 0.5 s.
MCMC_FIT = [
    "study",
    "fit",
    "--nodes",
    str(EXAMPLE / "nodes.csv"),
    "--edges",
    str(EXAMPLE / "edges.csv"),
    "--formula",
    'edges + mutual + nodeicov("HTH")',
    "--bridges",
    "2",
    "--bridge-draws",
    "20",
    "--json",
]


def _files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(2)
    ids = [f"u{k}" for k in range(15)]
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(
        "id,HTH,PCF\n" + "".join(f"{i},{rng.integers(0, 20)},{rng.integers(10, 90)}\n" for i in ids),
        encoding="utf-8",
    )
    edges = tmp_path / "edges.csv"
    pairs = [(a, b) for a in ids for b in ids if a != b and rng.random() < 0.25]
    edges.write_text(
        "from,to,movers\n" + "".join(f"{a},{b},{rng.integers(1, 9)}\n" for a, b in pairs), encoding="utf-8"
    )
    matrix = tmp_path / "geo.csv"
    matrix.write_text(
        "id,"
        + ",".join(ids)
        + "\n"
        + "".join(f"{a}," + ",".join(f"{rng.random():.4f}" for _ in ids) + "\n" for a in ids),
        encoding="utf-8",
    )
    long = tmp_path / "cul.csv"
    long.write_text("source,target,value\nu1,u2,1\nu2,u1,1\n", encoding="utf-8")
    return {"nodes": nodes, "edges": edges, "geo": matrix, "cul": long}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


VALUED = [*MCMC_FIT[: MCMC_FIT.index("--formula") + 1], 'sum + nodeicov("HTH")']  # the same files


#: The example's files with a formula to come (FIT[:-1] + [formula]), no sampling option.
FIT = MCMC_FIT[: MCMC_FIT.index("--formula") + 1]
