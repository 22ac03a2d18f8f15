"""ckd 1.1.0, re-trained on the adults the engine scores (1.0.0's card asked for it before the model
refers on its own): every number its card states is recomputed here from the packaged data and the
shipped model, and so is the reviewer's decision that it may still not refer.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import models
import triage
from models.calibration_plot import wilson_ci95
from models.card_markdown import render_card
from tests.models.test_ckd_card import FLAGS_NO as NEITHER
from tests.models.test_ckd_card import PROFILE
from tests.models.test_ckd_card import _limitation as limitation_of
from triage.assessment import Disposition
from triage.policy import load_policy
from triage.riskmodels import load_model, load_models, read_card, read_registry

FOLDER = models.MODELS_DIR / "ckd" / "1.1.0"
OLD = models.MODELS_DIR / "ckd" / "1.0.0"
_TRAINING = importlib.util.find_spec("sklearn") is not None and importlib.util.find_spec("ckd") is not None


def _limitation(start: str) -> str:
    return limitation_of(start, "1.1.0")


def test_1_1_0_is_active_and_1_0_0_retired_but_still_resolves() -> None:
    entry = read_registry(models.MODELS_DIR).models["ckd"]
    assert entry.active == "1.1.0" and entry.versions["1.0.0"].status == "retired"
    assert load_models(names=["ckd"]).versions == {"ckd": "1.1.0"}
    # an old log's "ckd 1.0.0" still has its verified files and card
    assert load_model(OLD, "ckd", "1.0.0").card.metrics.auroc == 0.9964
    card = read_card(FOLDER, "ckd", "1.1.0")
    assert card.label == models.card.TEACHING_LABEL and card.population.ages == (19.0, 90.0)
    assert (FOLDER / "CARD.md").read_text(encoding="utf-8") == render_card(card)


def test_the_over_flagging_example_is_what_the_shipped_model_gives() -> None:
    text = _limitation("Over-flags known hypertension and diabetes")
    model = load_model(FOLDER, "ckd", "1.1.0")
    coefficients = model.card.training.coefficients
    assert (
        f"known hypertension adds {coefficients['hypertension']:.2f} and known diabetes "
        f"{coefficients['diabetes']:.2f} to the log-odds" in text
    )
    said = []
    for hypertension, diabetes in ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)):
        got = model.predict(PROFILE | {"hypertension": hypertension, "diabetes": diabetes})
        said.append(f"{got.probability:.2f} ({got.band})")
    assert (
        f"{said[0]} with neither, {said[1]} with known hypertension, {said[2]} with known diabetes, {said[3]} with both"
        in text
    )
    assert said[0].endswith("(medium)")
    # the built-in policy's comment on [models.ckd] quotes the active model's figures, not 1.0.0's
    policy = " ".join(
        (Path(triage.__file__).parent / "policy_default.toml").read_text(encoding="utf-8").split()
    )
    assert f"high band ({said[1][:4]}, {said[2][:4]}; both {said[3][:4]})" in policy
    old = load_model(OLD, "ckd", "1.0.0")
    ages = (25.0, 55.0, 85.0)
    new_p = [model.predict(PROFILE | NEITHER | {"age": a}) for a in ages]
    old_p = [old.predict(PROFILE | NEITHER | {"age": a}).probability or 0.0 for a in ages]
    assert all(p.band == "medium" for p in new_p)
    assert f"(0.24 at 25, 0.27 at 85; 1.0.0 gave {old_p[0]:.2f}, {old_p[1]:.2f} and {old_p[2]:.2f}" in text
    assert [f"{p.probability:.2f}" for p in (new_p[0], new_p[2])] == ["0.24", "0.27"]


def test_the_reviewers_decision_stands_on_the_numbers_and_the_policy_follows_it() -> None:
    """The card says ckd may still not refer; the built-in policy keeps it at local care."""
    text = _limitation("The built-in policy keeps this model at local care")
    assert "Reviewer's decision on referral (2026-12-06; teaching demonstration only)" in text
    assert "[models.ckd] level stays local_care" in text
    assert load_policy().models.level_for("ckd") is Disposition.local_care
    model = load_model(FOLDER, "ckd", "1.1.0")
    high = model.card.threshold("high")
    for flags, said in (
        ({"hypertension": 1.0, "diabetes": 0.0}, "0.61"),
        ({"hypertension": 0.0, "diabetes": 1.0}, "0.74"),
    ):
        p = model.predict(PROFILE | flags).probability or 0.0
        assert p >= high and f"{p:.2f}" == said and said in text


def test_no_uncertainty_is_claimed_from_a_perfect_separation() -> None:
    card = read_card(FOLDER, "ckd", "1.1.0")
    m = card.metrics
    assert (m.auroc, m.auroc_ci95) == (1.0, (1.0, 1.0))
    assert "the slope has no finite maximum-likelihood value" in card.calibration
    text = _limitation("No uncertainty can be read from the held-out figures")
    high = m.at_thresholds["high"]
    assert (high.sensitivity, high.specificity, high.flagged) == (1.0, 1.0, m.events)
    sens_low, _ = wilson_ci95(m.events, m.events)
    spec_low, _ = wilson_ci95(m.n - m.events, m.n - m.events)
    assert f"all {m.events} held-out cases are flagged and none of the {m.n - m.events} non-cases" in text
    assert f"(Wilson 95% CI {sens_low * 100:.1f}-100%), specificity 100% ({spec_low * 100:.1f}-100%)" in text


@pytest.mark.skipif(not _TRAINING, reason="needs the train extra and the ckd==0.1.0 data wheel (make test)")
def test_the_leakage_numbers_and_the_children_left_out_are_recomputed() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from models.training.datasets import read_ckd
    from models.training.pipeline import prepare, recipe_for

    recipe = recipe_for("ckd", "1.1.0")
    prepared, _ = prepare(recipe)
    names = list(recipe.feature_names)

    def refit(columns: list[str]) -> str:
        idx = [names.index(c) for c in columns]
        fitted = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        fitted.fit(prepared.X_train[:, idx], prepared.y_train)
        return f"{roc_auc_score(prepared.y_test, fitted.predict_proba(prepared.X_test[:, idx])[:, 1]):.3f}"

    text = _limitation("Why the held-out AUROC is 1.000")
    assert f"{refit(['creatinine'])} and {refit(['urine_protein'])}" in text
    assert f"still reaches {refit([c for c in names if c not in ('creatinine', 'urine_protein')])}" in text
    raw = read_ckd()
    used = raw[raw[["age", "sc", "al"]].notna().all(axis=1) & (raw["age"] >= 19)]
    healthy = used[used["class"] == "notckd"]
    assert len(used) == prepared.rows_used == 314
    assert f"the {len(healthy)} adults labelled not-CKD" in text
    assert (healthy["htn"].dropna() == "no").all() and (healthy["dm"].dropna() == "no").all()
    assert (healthy["al"].dropna() == 0).all() and (healthy["su"].dropna() == 0).all()
    assert healthy["sg"].dropna().min() >= 1.020 - 1e-9 and healthy["sc"].max() <= 1.2
    assert healthy["hemo"].min() * 10 >= 130.0
    children = raw[raw[["age", "sc", "al"]].notna().all(axis=1) & (raw["age"] < 19)]
    text = _limitation("Trained on the adults it is scored for")
    ages = f"{children['age'].min():g}-{children['age'].max():g} years"
    assert (
        f"the data's {len(children)} children with age" in text
        and f"({ages}, {(children['class'] == 'ckd').sum()} with CKD)" in text
    )
    card = read_card(FOLDER, "ckd", "1.1.0")
    assert card.metrics.outside_population is None and card.metrics.n == len(prepared.y_test)
    assert f"this version's is {card.training.coefficients['age']:+.4f})" in text
    assert f"age coefficient {read_card(OLD, 'ckd', '1.0.0').training.coefficients['age']:.4f} per" in text
    assert np.all(prepared.X_train[:, 0] >= 19)
