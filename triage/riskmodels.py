"""Load and verify the shipped ONNX risk models: onnxruntime + numpy only (never scikit-learn).

``load_models()`` reads ``models/registry.json``, and for each model's active version checks,
before anything is scored: the card schema, each observation input's unit against the unit the
service feeds it in, the sha256 of ``model.onnx`` against the card, the
ONNX input (name, float32, width) and outputs against the card, the feature names stamped in the
ONNX metadata, the card's imputation medians against golden row 1 (the training medians), and a
replay of the golden vectors within the card's tolerance, and last the sha256 of ``card.json``,
``golden.jsonl`` and ``model.onnx`` against the version's ``MANIFEST.sha256`` (a card edited by
hand in a field the other checks do not cover). Any mismatch
raises :class:`~triage.errors.ModelContractError` naming the model, the check, what was expected
and what was found; the model is not loaded.

Scoring the loaded models is :mod:`triage.riskprediction` (its classes are importable from here
too: ``from triage.riskmodels import ModelSet, RiskPrediction, load_models``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

import models
from models.card import ModelCard
from triage.errors import ConfigError, NotFoundError, UnknownCodeError, json_text
from triage.ort import ort
from triage.riskfeatures import ORDINAL_OBSERVATIONS
from triage.riskmodels_cards import RESTORE, check_manifest, model_refused, read_card, read_registry
from triage.riskprediction import (
    BANDS,
    ModelSet,
    PreparedRow,
    RiskModel,
    RiskPrediction,
    session_options,
)
from triage.settings import ModelSettings, setting_problem
from triage.units import canonical_unit

__all__ = [
    "BANDS",
    "ModelSet",
    "PreparedRow",
    "RiskModel",
    "RiskPrediction",
    "load_model",
    "load_models",
    "read_card",
    "read_registry",
    "session_options",
]


def _check_units(card: ModelCard, path: Path) -> None:
    """Each observation input's card unit is the unit the service feeds it in: the vocabulary's
    canonical unit, or ``1`` for a dipstick grade given as its ordinal."""
    for f in card.features:
        if f.source != "observation":
            continue
        try:
            served = "1" if f.name in ORDINAL_OBSERVATIONS else canonical_unit(f.name)
        except UnknownCodeError:
            served = "(not an observation code)"
        if f.unit != served:
            raise model_refused(
                card.name,
                card.version,
                "feature contract",
                f"{path / 'card.json'} features.{f.index}.unit ({f.name}) is {json_text(f.unit)}, but the service "
                f"gives the model {f.name} in {json_text(served)}",
            )


def _check_session(card: ModelCard, session: ort.InferenceSession, path: Path) -> None:
    """The session's input, output and stamped feature names are the card's (each refusal names
    ``model.onnx`` and, where the card says otherwise, ``card.json``)."""
    name, version, onnx_file = card.name, card.version, path / card.onnx.file
    inputs = session.get_inputs()
    width = len(card.features)
    found = [(i.name, i.type, list(i.shape)) for i in inputs]
    if (
        len(inputs) != 1
        or inputs[0].name != card.onnx.input
        or inputs[0].type != "tensor(float)"
        or len(inputs[0].shape) != 2
        or inputs[0].shape[1] != width
    ):
        raise model_refused(
            name,
            version,
            "feature contract",
            f"{path / 'card.json'} expects one input {card.onnx.input!r} tensor(float) [N, {width}], "
            f"{onnx_file} has {found}",
        )
    outputs = {o.name for o in session.get_outputs()}
    if card.onnx.probability_output not in outputs:
        raise model_refused(
            name,
            version,
            "outputs",
            f"{path / 'card.json'} expects the output {card.onnx.probability_output!r}, {onnx_file} has "
            f"{sorted(outputs)}",
        )
    stamped = session.get_modelmeta().custom_metadata_map.get("feature_names", "")
    if stamped != ",".join(card.feature_names):
        raise model_refused(name, version, "feature contract", _order_differs(card, stamped, path))


def _order_differs(card: ModelCard, stamped: str, path: Path) -> str:
    """Where the card's inputs and the ones stamped in model.onnx part: the first position, what each
    file has there, and the model's own order (a card with two inputs swapped scores nonsense)."""
    model = stamped.split(",") if stamped else []
    at = next(
        (i for i, (a, b) in enumerate(zip(card.feature_names, model, strict=False)) if a != b),
        min(len(model), len(card.feature_names)),
    )
    in_card = card.feature_names[at] if at < len(card.feature_names) else "nothing"
    in_model = model[at] if at < len(model) else "nothing"
    return (
        f"{path / 'card.json'} features.{at} is {in_card}, but {path / card.onnx.file} (its metadata's "
        f"feature_names) has {in_model} there; the model's inputs in order: {', '.join(model) or 'none'}. The card "
        "must list the model's inputs in the model's order: restore the shipped card.json"
    )


def _golden_max_diff(model: RiskModel, path: Path) -> float:
    name, version, card = model.name, model.version, model.card
    rows, expected = [], []
    golden, number = path / "golden.jsonl", 0
    try:
        with golden.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                record = json.loads(line)
                inputs = record["inputs"]
                if len(inputs) != len(card.features):
                    raise model_refused(
                        name,
                        version,
                        "golden",
                        f"{golden} line {number}: {len(inputs)} inputs, card has {len(card.features)}",
                    )
                rows.append(inputs)
                expected.append(float(record["probability"]))
    except FileNotFoundError:
        raise model_refused(name, version, "golden", f"{golden} does not exist{RESTORE}") from None
    except (ValueError, KeyError, TypeError) as exc:
        problem = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise model_refused(
            name, version, "golden", f"{golden} line {number} is malformed: {problem}"
        ) from None
    if len(rows) != card.parity.rows:
        raise model_refused(name, version, "golden", f"expected {card.parity.rows} rows, found {len(rows)}")
    for feature, median in zip(card.features, rows[0], strict=True):  # row 1: the imputation medians
        if median != feature.median:
            raise model_refused(
                name,
                version,
                "medians",
                f"{path / 'card.json'} features.{feature.index}.median ({feature.name}) is {feature.median:g}, "
                f"but row 1 of golden.jsonl (the training medians) has {median:g}",
            )
    got = model.predict_batch(np.asarray(rows, dtype=np.float32))
    diff = np.abs(got.astype(np.float64) - np.asarray(expected))
    worst = int(np.argmax(diff))
    if diff[worst] > card.parity.tolerance:
        raise model_refused(
            name,
            version,
            "golden replay",
            f"{path / card.onnx.file} gives {float(got[worst]):.9f} for row {worst + 1} of {golden}, which expects "
            f"{expected[worst]:.9f} (|diff| {diff[worst]:.2e} > tolerance {card.parity.tolerance:g})",
        )
    return float(diff.max())


def load_model(path: Path, name: str, version: str) -> RiskModel:
    """Load and verify one version directory (see the module docstring for the checks)."""
    card = read_card(path, name, version)
    _check_units(card, path)
    try:
        data = (path / card.onnx.file).read_bytes()
    except FileNotFoundError:
        raise model_refused(
            name, version, "file", f"{path / card.onnx.file} does not exist{RESTORE}"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != card.onnx.sha256:
        raise model_refused(
            name,
            version,
            "sha256",
            f"{path / card.onnx.file} has sha256 {digest}, the card expects {card.onnx.sha256}: the file was "
            "changed or replaced after the version was written; restore the shipped file",
        )
    try:
        session = ort.InferenceSession(
            data, sess_options=session_options(), providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own exception types for unreadable graphs
        raise model_refused(
            name, version, "onnxruntime", f"{path / card.onnx.file}: onnxruntime cannot read it: {exc}"
        ) from None
    _check_session(card, session, path)
    model = RiskModel(card, session, 0.0, path, data)
    model.golden_max_diff = _golden_max_diff(model, path)
    check_manifest(path, name, version, card.onnx.file)
    return model


def load_enabled_models(setting: ModelSettings, settings_file: Path | None = None) -> ModelSet:
    """The models the settings name (``models.directory``, ``models.enabled``: empty for all). An
    enabled name the registry does not have is a settings error (exit 2) naming the variable or the
    file that set it, as a policy file's ``[models.<name>]`` is; it was a "not found" (exit 1)."""
    check_models_setting(setting, settings_file)
    return load_models(setting.directory, setting.enabled or None)


def check_models_setting(setting: ModelSettings, settings_file: Path | None = None) -> None:
    """The registry ``models.directory`` names is there and has every ``models.enabled`` name
    (what :func:`load_enabled_models` checks before it loads anything; ``triage serve`` checks it
    before it starts)."""
    root = setting.directory if setting.directory is not None else models.MODELS_DIR
    known = read_registry(root).models
    unknown = [name for name in setting.enabled if name not in known]
    if unknown:
        raise ConfigError(
            setting_problem(
                ("models", "enabled"),
                f"no such risk model {json_text(unknown[0])} in {root / 'registry.json'}; known: {', '.join(known)}",
                settings_file,
            )
        )


def load_models(directory: Path | None = None, names: Iterable[str] | None = None) -> ModelSet:
    """Load the active version of each model in ``registry.json`` (or only ``names``), verified."""
    root = directory if directory is not None else models.MODELS_DIR
    registry = read_registry(root)
    wanted = list(names) if names is not None else list(registry.models)
    unknown = [n for n in wanted if n not in registry.models]
    if unknown:
        raise NotFoundError(
            f"unknown risk model(s) {', '.join(unknown)} in {root / 'registry.json'}; known: {', '.join(registry.models)}"
        )
    loaded = {}
    for name in wanted:
        version = registry.models[name].active
        loaded[name] = load_model(root / name / version, name, version)
    return ModelSet(loaded)
