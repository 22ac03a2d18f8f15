"""The embedded dataset: deterministic, labelled synthetic, calibrated to national totals."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.study.generator import (
    FRAMES,
    NATIONAL_POPULATION_2020,
    generate,
    national_totals,
)


def test_same_seed_gives_identical_files(study_folder: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again")
    for frame in ("national", "zhejiang"):
        for name in ("nodes.csv", "moves.csv", "GeoProx.csv", "CulProx.csv"):
            assert filecmp.cmp(study_folder / frame / name, again / frame / name, shallow=False), name


def test_other_seed_gives_other_flows(study_folder: Path, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", seed=7)
    assert not filecmp.cmp(
        study_folder / "zhejiang" / "moves.csv", other / "zhejiang" / "moves.csv", shallow=False
    )


def test_frames_have_the_study_sizes(study_folder: Path) -> None:
    assert len(pd.read_csv(study_folder / "national" / "nodes.csv")) == 288
    assert len(pd.read_csv(study_folder / "zhejiang" / "nodes.csv")) == 88


def test_synthetic_parts_are_labelled_everywhere(study_folder: Path) -> None:
    manifest = json.loads((study_folder / "study.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True
    assert all(frame["synthetic"] for frame in manifest["frames"])
    moves = pd.read_csv(study_folder / "national" / "moves.csv")
    assert moves["synthetic"].all()
    nodes = pd.read_csv(study_folder / "national" / "nodes.csv")
    assert set(nodes["synthetic_columns"]) == {"PCF;HTH;GDP;ENV;INT"}
    columns = pd.read_csv(study_folder / "columns.csv").set_index("column")
    assert columns.loc[["PCF", "HTH", "GDP", "ENV", "INT"], "status"].eq("synthetic").all()
    assert columns.loc[["pop", "UR", "EDU", "lon", "lat"], "status"].eq("real").all()
    assert "SYNTHETIC DATA" in (study_folder / "ATTRIBUTION.txt").read_text(encoding="utf-8")


def test_facility_counts_match_the_national_totals_by_population_share(study_folder: Path) -> None:
    totals = national_totals()
    for spec in FRAMES:
        nodes = pd.read_csv(study_folder / spec.key / "nodes.csv")
        share = nodes["pop"].sum() / NATIONAL_POPULATION_2020
        expected_pcf = totals["primary_care_institutions_total"] * share
        expected_hth = (totals["hospitals_tertiary"] + totals["hospitals_secondary"]) * share
        # Poisson sums: within 4 standard deviations of the calibrated total.
        assert abs(nodes["PCF"].sum() - expected_pcf) < 4 * np.sqrt(expected_pcf)
        assert abs(nodes["HTH"].sum() - expected_hth) < 4 * np.sqrt(expected_hth)


def test_moves_aggregate_to_ties_without_self_loops(study_folder: Path) -> None:
    moves = pd.read_csv(study_folder / "zhejiang" / "moves.csv", dtype=str)
    assert (moves["origin"] != moves["destination"]).all()
    assert moves["person_id"].is_unique


def test_generated_csv_files_spell_booleans_as_the_exports_do(study_folder: Path) -> None:
    """`true`, as every CSV of the product (docs/analytics-export.md); pandas wrote `True`."""
    lines = (study_folder / "zhejiang" / "moves.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert {line.split(",")[header.index("synthetic")] for line in lines[1:]} == {"true"}
