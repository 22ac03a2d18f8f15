"""Loading verifies hash, card schema, ONNX contract and golden replay; any mismatch refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import models
from models.card import ModelCard
from tests.models.conftest import MODEL_NAMES
from triage.errors import ModelContractError, NotFoundError
from triage.riskmodels import load_model, load_models


def _card(path: Path) -> dict:
    return json.loads((path / "card.json").read_text())


def _write_card(path: Path, card: dict) -> None:
    (path / "card.json").write_text(json.dumps(card, indent=2))


def _edit_feature(path: Path, name: str, field: str, value: object) -> tuple[int, object]:
    """Set one field of the named feature in card.json; returns the feature's index and the old value."""
    card = _card(path)
    index = next(f["index"] for f in card["features"] if f["name"] == name)
    shipped = card["features"][index][field]
    card["features"][index][field] = value(shipped) if callable(value) else value
    _write_card(path, card)
    return index, shipped


def test_every_shipped_model_loads_and_replays_its_golden_vectors() -> None:
    model_set = load_models()
    assert set(model_set.models) == set(MODEL_NAMES)
    assert model_set.versions == dict.fromkeys(MODEL_NAMES, "1.0.0") | {"ckd": "1.1.0"}
    for model in model_set.models.values():
        assert model.golden_max_diff <= model.card.parity.tolerance
        assert model.card.parity.rows >= 50
        assert "not for clinical use" in model.card.label
        golden = [json.loads(line) for line in (model.path / "golden.jsonl").read_text().splitlines()]
        X = np.array([g["inputs"] for g in golden], dtype=np.float32)
        # golden inputs are float32-exact: the JSON numbers survive a float32 round trip unchanged
        assert np.array_equal(X.astype(np.float64), np.array([g["inputs"] for g in golden]))
        got = model.predict_batch(X)
        expected = np.array([g["probability"] for g in golden])
        assert np.max(np.abs(got - expected)) <= model.card.parity.tolerance


def test_single_row_predict_agrees_with_the_batch_path() -> None:
    model = load_models(names=["cvd10"]).models["cvd10"]
    golden = json.loads((model.path / "golden.jsonl").read_text().splitlines()[5])
    features = dict(zip(model.feature_names, golden["inputs"], strict=True))
    prediction = model.predict(features)
    assert prediction.probability == pytest.approx(golden["probability"], abs=1e-5)
    assert prediction.imputed == {} and prediction.missing == ()


def test_single_row_path_gives_the_public_run_results_exactly() -> None:
    """Single rows go through the session binding's run (no per-call input checks); every golden
    row must score bit-for-bit as the public ``InferenceSession.run`` does."""
    for model in load_models().models.values():
        assert model._run is not model._session.run, "the binding's run is used for single rows"
        golden = [json.loads(line) for line in (model.path / "golden.jsonl").read_text().splitlines()]
        batch = model.predict_batch(np.array([g["inputs"] for g in golden], dtype=np.float32))
        for g, expected in zip(golden[:20], batch, strict=False):
            row = np.array([g["inputs"]], dtype=np.float32)
            (public,) = model._session.run(model._outputs, {model._input: row})
            single = model.predict_row([float(v) for v in row[0]])
            assert single.probability == float(public[0, model._positive])
            assert single.probability == pytest.approx(
                float(expected), abs=1e-6
            )  # batch kernels: float32 ulps


def test_names_select_models_and_unknown_names_are_refused() -> None:
    assert list(load_models(names=["ckd"]).models) == ["ckd"]
    with pytest.raises(NotFoundError, match=r"unknown risk model\(s\) nope.*known: cvd10"):
        load_models(names=["nope"])


def test_flipped_byte_in_the_onnx_file_refuses_to_load(model_dir: Path) -> None:
    path = model_dir / "cvd10" / "1.0.0" / "model.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(
        ModelContractError, match=r"model cvd10 1\.0\.0 refused \(sha256\).*the card expects 4ba9b9cc"
    ):
        load_models(model_dir)


def test_swapped_feature_names_in_the_card_refuse_to_load(model_dir: Path) -> None:
    path = model_dir / "diabetes" / "1.0.0"
    card = _card(path)
    card["features"][0]["name"], card["features"][1]["name"] = (
        card["features"][1]["name"],
        card["features"][0]["name"],
    )
    _write_card(path, card)
    with pytest.raises(
        ModelContractError,
        match=r"diabetes 1\.0\.0 refused \(feature contract\): .*card\.json features\.0 is bmi, but .*model\.onnx "
        r"\(its metadata's feature_names\) has age there; the model's inputs in order: age, bmi,",
    ):
        load_models(model_dir, names=["diabetes"])


def test_wrong_input_width_in_the_card_refuses_to_load(model_dir: Path) -> None:
    path = model_dir / "ckd" / "1.1.0"
    card = _card(path)
    extra = dict(card["features"][-1], name="potassium", index=len(card["features"]))
    card["features"].append(extra)
    card["onnx"]["input_width"] += 1
    _write_card(path, card)
    with pytest.raises(
        ModelContractError,
        match=r"ckd 1\.1\.0 refused \(feature contract\): .*card\.json expects one input 'X' tensor\(float\) "
        r"\[N, 10\], .*model\.onnx has \[\('X', 'tensor\(float\)', \[None, 9\]\)\]",
    ):
        load_models(model_dir, names=["ckd"])


def test_invalid_card_schema_refuses_to_load(model_dir: Path) -> None:
    path = model_dir / "stroke10" / "1.0.0"
    card = _card(path)
    card["features"][2]["missing"] = "zero"
    _write_card(path, card)
    with pytest.raises(
        ModelContractError, match=r"stroke10 1\.0\.0 refused \(card schema\).*features\.2\.missing"
    ):
        load_models(model_dir, names=["stroke10"])


def test_golden_vector_drift_refuses_to_load(model_dir: Path) -> None:
    path = model_dir / "cvd10" / "1.0.0" / "golden.jsonl"
    lines = path.read_text().splitlines()
    row = json.loads(lines[3])
    row["probability"] += 1e-4
    lines[3] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")
    folder = model_dir / "cvd10" / "1.0.0"
    with pytest.raises(
        ModelContractError,
        match=rf"refused \(golden replay\): {folder / 'model.onnx'} gives 0\.\d+ for row 4 of "
        rf"{folder / 'golden.jsonl'}, which expects 0\.\d+",
    ):
        load_models(model_dir, names=["cvd10"])


def test_a_malformed_golden_file_names_the_file_and_line(model_dir: Path) -> None:
    """'golden.jsonl is malformed: Expecting value: line 1 column 1 (char 0)' named neither the
    folder nor the line of the file (the 'line 1' is of the JSON text of that line)."""
    path = model_dir / "ckd" / "1.0.0" / "golden.jsonl"
    lines = path.read_text().splitlines()
    lines[6] = lines[6][:-3]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ModelContractError, match=rf"refused \(golden\): {path} line 7 is malformed: "):
        load_model(path.parent, "ckd", "1.0.0")


def test_an_edited_imputation_median_in_the_card_refuses_to_load(model_dir: Path) -> None:
    """The service imputes an unknown input with the card's median, and nothing checked it: a
    median edited by hand in card.json (heart_rate 75 -> 95) loaded, and every patient without a
    heart rate was scored as if it were 95. Golden row 1 holds the training medians."""
    path = model_dir / "cvd10" / "1.0.0"
    index, shipped = _edit_feature(path, "heart_rate", "median", lambda median: median + 20)
    expected = (
        rf"model cvd10 1\.0\.0 refused \(medians\): {path / 'card.json'} features\.{index}\.median "
        rf"\(heart_rate\) is {shipped + 20:g}, but row 1 of golden\.jsonl \(the training medians\) has {shipped:g}"
    )
    with pytest.raises(ModelContractError, match=expected):
        load_model(path, "cvd10", "1.0.0")


@pytest.mark.parametrize(
    ("feature", "unit", "served"),
    [("creatinine", "mg/dL", "umol/L"), ("hemoglobin", "g/dL", "g/L"), ("urine_protein", "mg/dL", "1")],
)
def test_a_card_unit_other_than_the_one_the_service_feeds_refuses_to_load(
    model_dir: Path, feature: str, unit: str, served: str
) -> None:
    """The service feeds observations in the vocabulary's canonical units (dipstick grades as the
    ordinal), whatever the card says: a card whose creatinine unit read mg/dL loaded, and the
    model would have been given umol/L values for an input the card documents in mg/dL."""
    path = model_dir / "ckd" / "1.0.0"
    index, _ = _edit_feature(path, feature, "unit", unit)
    expected = (
        rf"model ckd 1\.0\.0 refused \(feature contract\): {path / 'card.json'} features\.{index}\.unit "
        rf"\({feature}\) is \"{unit}\", but the service gives the model {feature} in \"{served}\""
    )
    with pytest.raises(ModelContractError, match=expected):
        load_model(path, "ckd", "1.0.0")


def test_another_models_onnx_with_a_matching_hash_still_refuses(model_dir: Path) -> None:
    # Replace stroke10's graph by cvd10's and fix the hash: same inputs, different probabilities.
    src, dst = model_dir / "cvd10" / "1.0.0", model_dir / "stroke10" / "1.0.0"
    (dst / "model.onnx").write_bytes((src / "model.onnx").read_bytes())
    card = _card(dst)
    card["onnx"]["sha256"] = _card(src)["onnx"]["sha256"]
    _write_card(dst, card)
    with pytest.raises(ModelContractError, match=r"stroke10 1\.0\.0 refused \(golden replay\)"):
        load_model(dst, "stroke10", "1.0.0")


def test_registry_pointing_at_a_missing_version_refuses(model_dir: Path) -> None:
    registry = json.loads((model_dir / "registry.json").read_text())
    registry["models"]["ckd"]["active"] = "9.9.9"
    (model_dir / "registry.json").write_text(json.dumps(registry))
    with pytest.raises(ModelContractError, match=r"registry.*active version 9\.9\.9 is not listed"):
        load_models(model_dir)


def test_cards_in_the_repository_validate_and_name_their_data() -> None:
    for name in MODEL_NAMES:
        card = ModelCard.model_validate_json((models.MODELS_DIR / name / "1.0.0" / "card.json").read_bytes())
        assert card.training.data.files and all(len(sha) == 64 for sha in card.training.data.files.values())
        assert 0.5 < card.metrics.auroc <= 1.0
        assert card.metrics.auroc_ci95[0] <= card.metrics.auroc <= card.metrics.auroc_ci95[1]
        assert card.training.versions["scikit-learn"] == "1.9.1"
