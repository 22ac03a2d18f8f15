"""`triage models list` reads at 80 columns: ckd 1.1.0's figures were one line of 184 columns
(its AUROC interval and its slope each with their note), the retired ckd 1.0.0's held-out line
172, every version's first line about 100 - a terminal of 80 columns wrapped them mid-word, and
the next version's name landed in the middle of a wrapped line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models.card import TEACHING_LABEL
from tests.models.conftest import listed_versions
from triage.cli import main


def _listed(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["models", "list", *argv]) == 0
    return capsys.readouterr().out


def test_every_line_fits_80_columns_and_says_all_it_said(capsys: pytest.CaptureFixture[str]) -> None:
    text = _listed(capsys)
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert too_wide == []
    listed = listed_versions(text)
    rows = {(r["name"], r["version"]): r for r in json.loads(_listed(capsys, "--json"))}
    assert list(listed) == list(rows)
    for key, r in rows.items():
        block, (low, high) = listed[key], r["auroc_ci95"]
        status = f"{'* ' if r['active'] else ''}{r['name']} {r['version']} {r['status']} "
        assert block.startswith(status + " ".join(r["title"].split()) + " AUROC "), block
        assert f"AUROC {r['auroc']:.3f} ({low:.3f}-{high:.3f}" in block, block
        assert f"Brier {r['brier']:.4f} slope {r['calibration_slope']:.2f}" in block, block
        assert f"intercept {r['calibration_intercept']:.2f} held out: {r['held_out_n']} rows" in block, block
        assert block.endswith(f"; {len(r['features'])} inputs; trained on {r['training_data']}"), block
    ckd = listed["ckd", "1.1.0"]
    assert (
        "AUROC 1.000 (1.000-1.000: no measure of uncertainty) Brier 0.0037 slope 14.26 (not an estimate:"
        " held-out outcomes separated completely) intercept -0.81 held out: 95 rows (54 events); bands:"
        " medium >= 20%, high >= 50%; 9 inputs" in ckd
    ), ckd
    retired = listed["ckd", "1.0.0"]
    assert (
        "held out: 95 rows in the population (54 events; 5 rows outside it left out: age under 19 or"
        " over 90); bands: medium >= 20%, high >= 50%" in retired
    ), retired
    lines = text.splitlines()
    assert " ".join(" ".join(lines[-2:]).split()) == (
        "* = active version. `triage models show NAME` prints the full card; `triage models evaluate"
        " NAME` re-runs its held-out evaluation."
    )


def test_a_long_models_folder_is_named_whole_on_its_own_line(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's path is never broken (it would not paste back); the label goes under it."""
    deep = model_dir.parent / ("clinic-" * 10 + "models") / "shipped-risk-models"
    shutil.copytree(model_dir, deep)
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(deep))
    lines = _listed(capsys).splitlines()
    assert lines[0] == f"Risk models in {deep}" and len(lines[0]) > 80
    label = " ".join(lines[1:3])
    assert label == f"({TEACHING_LABEL})", label
    assert [line for line in lines[1:] if len(line) > 80] == []
