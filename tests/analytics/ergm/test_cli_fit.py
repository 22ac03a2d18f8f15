"""`triage study fit`: JSON output, summary table and located input errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from triage.cli import main


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


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    code = main(
        [
            "study",
            "fit",
            "--nodes",
            str(f["nodes"]),
            "--edges",
            str(f["edges"]),
            "--edgecov",
            f"GeoProx={f['geo']}",
            "--edgecov",
            f"CulProx={f['cul']}",
            "--formula",
            'edges + nodeicov("HTH") + edgecov("GeoProx") + edgecov("CulProx")',
            "--json",
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert [t["term"] for t in payload["terms"]] == [
        "edges",
        "nodeicov.HTH",
        "edgecov.GeoProx",
        "edgecov.CulProx",
    ]
    assert set(payload) == {
        "terms",
        "loglik",
        "loglik_mc_se",
        "loglik_method",
        "aic",
        "bic",
        "n_nodes",
        "n_dyads",
        "directed",
    }
    assert payload["loglik_method"] == "exact" and payload["loglik_mc_se"] == 0.0
    assert payload["n_dyads"] == 15 * 14 and payload["directed"] is True


def test_valued_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    code = main(
        [
            "study",
            "fit",
            "--nodes",
            str(f["nodes"]),
            "--edges",
            str(f["edges"]),
            "--formula",
            'sum + nodeicov("HTH")',
            "--response",
            "movers",
            "--reference",
            "poisson",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "nodeicov.sum.HTH" in out and "AIC" in out


def test_bad_inputs_exit_2_and_say_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    base = ["study", "fit", "--nodes", str(f["nodes"]), "--formula", "edges"]
    bad_edges = tmp_path / "bad_edges.csv"
    bad_edges.write_text("source,target\nu1,ghost\n", encoding="utf-8")
    assert main([*base, "--edges", str(bad_edges)]) == 2
    assert "bad_edges.csv: line 2: target 'ghost' is not an id" in capsys.readouterr().err
    assert main([*base, "--edges", str(f["edges"]), "--formula", "edges + nodeicov('NOPE')"]) == 2
    assert "no node attribute 'NOPE'" in capsys.readouterr().err
    square = tmp_path / "ragged.csv"
    square.write_text("id,u0,u1\nu0,0,1\n", encoding="utf-8")
    assert main([*base, "--edges", str(f["edges"]), "--edgecov", f"G={square}"]) == 2
    assert "not square" in capsys.readouterr().err
