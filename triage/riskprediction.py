"""Score patients with verified ONNX risk models: onnxruntime + numpy only (never scikit-learn).

A :class:`RiskModel` is one verified model version (``triage.riskmodels.load_model`` builds it
after the checks); a :class:`ModelSet` scores all of them for one patient, each giving a
:class:`RiskPrediction`. Missing inputs follow the card: ``reject`` -> band ``not_scored`` naming
the missing inputs; ``impute_median`` -> the training median, listed in ``imputed`` and in the
explanation. Inputs outside the training range are scored but flagged in ``out_of_range``.
"""

from __future__ import annotations

import ctypes
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from models.card import ModelCard
from triage.combined_session import bound_run, combined_run
from triage.errors import ModelContractError
from triage.ort import ort
from triage.patient import PatientContext
from triage.phrases import (
    BMI_SIZE_NOT_USED,
    DRIVERS,
    FEW_OUTCOMES,
    IMPUTED,
    IMPUTED_LESS_CERTAIN,
    IMPUTED_NO_SUBGROUP,
    INPUTS_MISSING,
    INPUTS_MISSING_NOTED,
    MODEL_UNITS,
    NOT_SCORED,
    OUT_OF_RANGE,
    RANGE_ITEM,
    RANGE_ITEM_UNIT,
    SCORED,
)
from triage.riskfeatures import (
    BmiSource,
    bmi_note,
    body_mass_index,
    compile_features,
    feature_row,
    outside_population,
    population_limits,
    row_plan,
    substitutable,
    substitute,
)
from triage.riskmodels_cards import model_refused

BANDS = ("low", "medium", "high", "not_scored")
NEAR_CUT = 0.001
"""A probability this close to a band's cut-point (0.1 percentage points, twice what showing it to
one decimal can move it) is checked for a shown percent in another band; one further away cannot be."""


@dataclass(frozen=True)
class RiskPrediction:
    model: str
    version: str
    probability: float | None
    threshold: float
    band: str  # "low" | "medium" | "high" | "not_scored"
    missing: tuple[str, ...] = ()
    imputed: dict[str, float] = field(default_factory=dict)
    explanation: str = ""
    out_of_range: tuple[str, ...] = ()

    @classmethod
    def scored(
        cls,
        model: str,
        version: str,
        probability: float,
        threshold: float,
        band: str,
        imputed: dict[str, float],
        explanation: str,
        out_of_range: tuple[str, ...],
    ) -> RiskPrediction:
        """A scored prediction (nothing missing), built by the engine: the same fields the
        constructor sets, without the frozen dataclass's per-field ``object.__setattr__`` (a
        microsecond per model). ``tests/triage/test_riskmodel_rows.py`` compares with the constructor."""
        prediction = _new_object(cls)
        _set_dict(
            prediction,
            {
                "model": model,
                "version": version,
                "probability": probability,
                "threshold": threshold,
                "band": band,
                "missing": (),
                "imputed": imputed,
                "explanation": explanation,
                "out_of_range": out_of_range,
            },
        )
        return prediction


_PLACEHOLDER = RiskPrediction("", "", None, 0.0, "not_scored")  # replaced before predict() returns
_new_object = object.__new__
# the instance dictionary's own setter: what ``object.__setattr__(prediction, "__dict__", ...)``
# reaches after looking the name up on the class
_set_dict = RiskPrediction.__dict__["__dict__"].__set__


def session_options() -> ort.SessionOptions:
    """risk.md 4.3: one intra/inter-op thread, sequential, full graph optimisation, no spinning.

    No CPU memory arena and no memory-pattern planning: the graphs are a scaler and a linear
    classifier whose tensors are a few bytes per row, so the arena's bookkeeping cost more than
    plain allocation (about 1 us per single-row run; batch throughput unchanged, bench/triage.py).
    """
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.enable_cpu_mem_arena = False
    so.enable_mem_pattern = False
    return so


class PreparedRow(NamedTuple):
    """A complete input row (card order, missing values imputed) and how it was completed."""

    row: list[float]
    imputed: dict[str, float]
    out_of_range: list[str]
    drivers: list[tuple[float, float, str]]  # (-|log-odds|, log-odds, name) of inputs reaching 0.05


_new_prepared = tuple.__new__


class _RowSlot:
    """One thread's input and output buffers, bound to a session once (onnxruntime IOBinding).

    ``InferenceSession.run`` with a numpy feed costs a new input array, the feed dict, the output
    array and its wrapping on every call; for one row that is about a third of the model's time.
    Here the row is written into a fixed float32 buffer and the probabilities land in another, so a
    run passes no Python objects. Bindings are not shared between threads: each thread that scores
    gets its own slot (``RiskModel._local``), while the session itself is shared as usual.
    """

    __slots__ = ("binding", "options", "proba", "row", "run", "target")

    def __init__(self, session: ort.InferenceSession, input_name: str, output: str, width: int, classes: int):
        self.row = (ctypes.c_float * width)()
        self.proba = (ctypes.c_float * classes)()
        self.binding = session.io_binding()
        self.binding.bind_input(input_name, "cpu", 0, np.float32, [1, width], ctypes.addressof(self.row))
        self.binding.bind_output(output, "cpu", 0, np.float32, [1, classes], ctypes.addressof(self.proba))
        self.run: Callable[[Any, ort.RunOptions], None]
        self.run, self.target = bound_run(session, self.binding)
        # the thread's own run options: with None, each run builds a default one (about 1 us)
        self.options = ort.RunOptions()


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _outside(value: float, low: float, high: float) -> dict[str, str]:
    """A value outside the training range and the range, as the explanation shows them: four
    significant digits, more where four would show the value inside the range (18 against 17.9984
    read "total_cholesterol=18 (trained on 2.922-18)"; now "... 2.9222-17.998")."""
    for digits in range(4, 18):  # 17 digits give back every float exactly
        shown = {k: f"{x:.{digits}g}" for k, x in (("value", value), ("low", low), ("high", high))}
        if not float(shown["low"]) <= float(shown["value"]) <= float(shown["high"]):
            break
    return shown


def _range_item(feature: str, unit: str | None, shown: dict[str, str]) -> str:
    """One input outside its training range, with its unit when it has one a clinician reads
    (``sbp=300 mmHg (trained on 83.5-244 mmHg)``; a flag or a dipstick grade without)."""
    if unit is None:
        return RANGE_ITEM.format(feature=feature, **shown)
    return RANGE_ITEM_UNIT.format(feature=feature, unit=unit, **shown)


_INPUTS_MISSING = INPUTS_MISSING.printf({"inputs": "%s"})
# the explanation's clauses whose list comes last: "; " and the text before the list
_DRIVERS, _IMPUTED, _OUT_OF_RANGE = (
    "; " + p.format(**{p.fields[0]: ""}) for p in (DRIVERS, IMPUTED, OUT_OF_RANGE)
)


def _bmi_missing_noted(model: RiskModel, prediction: RiskPrediction, notes: Sequence[str]) -> RiskPrediction:
    """A model not scored for want of the BMI whose measured size was not used (an implausible
    weight / height^2): the reason says why the BMI is missing, as a scored model's explanation does."""
    said = [n for n in notes if any(p.match(n) for p in BMI_SIZE_NOT_USED.values())]
    if not said:
        return prediction
    reason = INPUTS_MISSING_NOTED.format(inputs=", ".join(prediction.missing), note=said[0])
    return model.not_scored(reason, prediction.missing)


def imputed_caution(card: ModelCard) -> str:
    """The explanation's clauses after the imputed inputs: the risk is less certain, by the card's
    held-out AUROC of the rows scored with an input imputed against the rows with every input
    measured (subgroups ``inputs=imputed`` and ``inputs=complete``), read from the card."""
    subgroups = card.metrics.subgroups
    imputed, complete = subgroups.get("inputs=imputed"), subgroups.get("inputs=complete")
    if imputed is None or complete is None:
        return "; " + IMPUTED_NO_SUBGROUP.template
    text = "; " + IMPUTED_LESS_CERTAIN.format(
        auroc=imputed.auroc_text,
        n=imputed.n,
        events=imputed.events,
        auroc_complete=complete.auroc_text,
        n_complete=complete.n,
    )
    return text + ("; " + FEW_OUTCOMES.template if imputed.too_few_outcomes else "")


class RiskModel:
    """One verified model version. Build it with :func:`load_model`."""

    def __init__(
        self,
        card: ModelCard,
        session: ort.InferenceSession,
        golden_max_diff: float,
        path: Path,
        onnx_bytes: bytes | None = None,
    ):
        self.card = card
        # the verified model file's bytes: ModelSet combines the models' graphs into one session
        self.onnx_bytes = onnx_bytes
        self.name = card.name
        self.version = card.version
        self.feature_names = card.feature_names
        self.threshold = card.threshold("high")
        self.medium_threshold = card.threshold("medium")
        # the probabilities whose percent to one decimal may show another band (_explain)
        self._near_cuts = (
            self.medium_threshold - NEAR_CUT,
            self.medium_threshold + NEAR_CUT,
            self.threshold - NEAR_CUT,
            self.threshold + NEAR_CUT,
        )
        self.golden_max_diff = golden_max_diff
        self.path = path
        self._session = session
        # The binding's run method: the public ``InferenceSession.run`` re-checks the input names
        # and provider options on every call (about 5 us); a single row pays that four times per
        # assessment. Same arguments and results; the public method when the binding is absent.
        binding = getattr(session, "_sess", None)
        self._run = binding.run if binding is not None and hasattr(binding, "run") else session.run
        self._input = card.onnx.input
        self._outputs = [card.onnx.probability_output]
        self._positive = card.onnx.positive_class_index
        self._specs = card.features
        # each input's unit as the out-of-range clause writes it (None: a flag, a grade, a ratio)
        self._units = {f.name: MODEL_UNITS.get(f.unit) for f in card.features}
        self._not_scored = NOT_SCORED.printf({"reason": "%s"}, model=self.name)
        # the explanation's first clause as a %-format: probability and band filled per prediction
        self._head = SCORED.printf(
            {"probability": "%.1f%%", "band": "%s"},
            model=self.name,
            version=self.version,
            medium=f"{self.medium_threshold:.0%}",
            high=f"{self.threshold:.0%}",
        )
        self._suffix = f"; {card.label}."
        self._imputed_caution = imputed_caution(card)
        # the whole explanation of the common case as one %-format: three drivers, nothing
        # imputed, out of range or stood in (one formatting instead of four and three joins)
        self._three_drivers = (
            self._head
            + _DRIVERS.replace("%", "%%")
            + ", ".join(["%s %+.2f"] * 3)
            + self._suffix.replace("%", "%%")
        )
        # (name, reject?, median, low, high, log-odds per unit) in input order: plain floats, fast to read
        self._plan = tuple(
            (
                s.name,
                s.missing == "reject",
                s.median,
                s.range[0],
                s.range[1],
                card.training.coefficients[s.name],
            )
            for s in card.features
        )
        # Single rows are scored through buffers bound to the session once per thread (see
        # :class:`_RowSlot`); the class count is read from one run on the training medians.
        medians = np.array([[s.median for s in card.features]], np.float32)
        try:
            (probe,) = session.run(self._outputs, {self._input: medians})
        except Exception as exc:  # onnxruntime raises its own exception types
            raise model_refused(
                self.name, self.version, "onnxruntime", f"cannot score the training medians: {exc}"
            ) from None
        if probe.ndim != 2 or probe.shape[0] != 1 or not 0 <= self._positive < probe.shape[1]:
            raise model_refused(
                self.name,
                self.version,
                "outputs",
                f"{self._outputs[0]!r} must be (rows, classes) with class {self._positive}, got {probe.shape}",
            )
        self._classes = int(probe.shape[1])
        self._local = threading.local()

    def predict_batch(self, X: np.ndarray) -> np.ndarray:
        """Probabilities for float32 rows in feature order (no missing values, no range checks)."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != len(self._specs):
            raise ModelContractError(
                f"model {self.name} {self.version}: input must be (rows, {len(self._specs)}) float32, got {X.shape}"
            )
        (proba,) = self._session.run(self._outputs, {self._input: X})
        return np.asarray(proba[:, self._positive])

    def band_for(self, probability: float) -> str:
        if probability >= self.threshold:
            return "high"
        if probability >= self.medium_threshold:
            return "medium"
        return "low"

    def not_scored(self, reason: str, missing: tuple[str, ...] = ()) -> RiskPrediction:
        return RiskPrediction(
            self.name,
            self.version,
            None,
            self.threshold,
            "not_scored",
            missing,
            {},
            self._not_scored % reason,
        )

    def predict(self, features: Mapping[str, float | None], notes: Sequence[str] = ()) -> RiskPrediction:
        """Score one patient from features by name (``None`` or absent = unknown); ``notes`` (how
        inputs were obtained, e.g. a stand-in code) are added to the explanation."""
        return self.predict_row([features.get(name) for name in self.feature_names], notes)

    def predict_row(self, values: Sequence[float | None], notes: Sequence[str] = ()) -> RiskPrediction:
        """Like :meth:`predict`, with the features as a sequence in card order."""
        prepared = self.prepare(values)
        if isinstance(prepared, RiskPrediction):
            return prepared
        return self.finish(self._score(prepared.row), prepared, notes)

    def prepare(self, values: Sequence[float | None]) -> PreparedRow | RiskPrediction:
        """The model's input row from features in card order: missing values imputed with the
        training median or, when the card rejects them, a ``not_scored`` prediction instead."""
        if len(values) != len(self._plan):
            raise ModelContractError(
                f"model {self.name} {self.version}: {len(values)} feature values given, "
                f"the card has {len(self._plan)} ({', '.join(self.feature_names)})"
            )
        row: list[float] = list(values)  # type: ignore[arg-type]  # every None is replaced or refused below
        missing: list[str] = []
        imputed: dict[str, float] = {}
        out_of_range: list[str] = []
        drivers: list[tuple[float, float, str]] = []
        for index, (name, reject, median, low, high, coef) in enumerate(self._plan):
            value = row[index]
            if value is None or value != value:  # None or NaN
                if reject:
                    missing.append(name)
                    continue
                row[index] = imputed[name] = median  # an imputed input contributes nothing to the drivers
            else:
                if not low <= value <= high:
                    out_of_range.append(name)
                # log-odds contribution against the training median, kept when it reaches 0.05;
                # sorted by -|contribution| (no abs() call: the sign is known in each branch)
                contribution = coef * (value - median)
                if contribution >= 0.05:
                    drivers.append((-contribution, contribution, name))
                elif contribution <= -0.05:
                    drivers.append((contribution, contribution, name))
        if missing:
            return self.not_scored(_INPUTS_MISSING % ", ".join(missing), tuple(missing))
        # PreparedRow(...) without the named tuple's Python-level __new__ (the same tuple)
        return _new_prepared(PreparedRow, (row, imputed, out_of_range, drivers))

    def finish(self, probability: float, prepared: PreparedRow, notes: Sequence[str] = ()) -> RiskPrediction:
        """The prediction for a prepared row the model scored at ``probability``."""
        # band_for, inline
        if probability >= self.threshold:
            band = "high"
        elif probability >= self.medium_threshold:
            band = "medium"
        else:
            band = "low"
        return RiskPrediction.scored(
            self.name,
            self.version,
            probability,
            self.threshold,
            band,
            prepared.imputed,
            self._explain(probability, band, prepared, notes),
            tuple(prepared.out_of_range),
        )

    def _score(self, row: list[float]) -> float:
        """The positive-class probability of one complete row, through this thread's bound buffers."""
        try:
            slot = self._local.slot
        except AttributeError:
            slot = self._local.slot = _RowSlot(
                self._session, self._input, self._outputs[0], len(row), self._classes
            )
        slot.row[:] = row
        slot.run(slot.target, slot.options)
        return slot.proba[self._positive]

    def score(self, prepared: PreparedRow) -> float:
        """The positive-class probability of a prepared row."""
        return self._score(prepared.row)

    def _explain(
        self, probability: float, band: str, prepared: PreparedRow, notes: Sequence[str] = ()
    ) -> str:
        # %-formats: "%.1f" % x is f"{x:.1f}" and "%+.2f" % x is f"{x:+.2f}" (the same digits)
        # without a __format__ call per number; four numbers per model and assessment
        row, imputed, out_of_range, drivers = prepared
        medium_low, medium_high, high_low, high_high = self._near_cuts
        near = medium_low < probability < medium_high or high_low < probability < high_high
        probability *= 100
        if near and self.band_for(round(probability, 1) / 100) != band:
            # one decimal would read past a cut-point it did not reach (9.96 %: "10.0% (medium;
            # ... high from 10%)"): cut, as the scores' percent_shown does. Only a probability
            # within NEAR_CUT of a cut-point can: one decimal moves it by 0.0005 at most, and
            # round() is a quarter of a microsecond
            probability = math.floor(probability * 10) / 10
        if drivers:
            drivers.sort()
            if len(drivers) >= 3 and not imputed and not out_of_range and not notes:
                (_, a, x), (_, b, y), (_, c, z) = drivers[:3]
                return self._three_drivers % (probability, band, x, a, y, b, z, c)
        text = self._head % (probability, band)
        if drivers:
            text += _DRIVERS + ", ".join(
                ["%s %+.2f" % (name, c) for _, c, name in drivers[:3]]  # noqa: UP031
            )
        if imputed:
            # with the unit, as an input outside its range (MODEL_UNITS): "glucose_random=4.274 mmol/L"
            text += _IMPUTED + ", ".join(
                f"{k}={_fmt(v)}" if self._units[k] is None else f"{k}={_fmt(v)} {self._units[k]}"
                for k, v in imputed.items()
            )
            text += self._imputed_caution
        if out_of_range:
            specs = {s.name: s for s in self._specs}
            text += _OUT_OF_RANGE + ", ".join(
                _range_item(n, self._units[n], _outside(row[specs[n].index], *specs[n].range))
                for n in out_of_range
            )
        if notes:
            text += "; " + "; ".join(notes)
        return text + self._suffix


class ModelSet:
    """The loaded models, scored together for one patient."""

    def __init__(self, loaded: Mapping[str, RiskModel]):
        self.models: dict[str, RiskModel] = dict(loaded)
        self._getters = {name: compile_features(model.card) for name, model in self.models.items()}
        self._plans = {name: row_plan(model.card) for name, model in self.models.items()}
        self._stand_ins = {
            name: tuple((model.feature_names.index(f), f) for f in substitutable(model.card))
            for name, model in self.models.items()
        }
        # models that take the BMI: their explanation says a BMI measured today (bmi_note)
        self._bmi = {name for name, model in self.models.items() if "bmi" in model.feature_names}
        # models whose card limits the population (sex, exclusions, ages) are checked per patient
        self._limits = {name: population_limits(model.card) for name, model in self.models.items()}
        # models with the same features (name and source, in order) share one row per patient
        first: dict[tuple[tuple[str, str], ...], str] = {}
        self._row_of = {
            name: first.setdefault(tuple((f.name, f.source) for f in model.card.features), name)
            for name, model in self.models.items()
        }
        # one onnxruntime run for every model (triage.combined_session), or None: one run per model
        self._combined = combined_run(list(self.models.values()))
        self._index = {name: index for index, name in enumerate(self.models)}
        self._versions = {name: model.version for name, model in self.models.items()}

    @property
    def versions(self) -> dict[str, str]:
        return dict(self._versions)  # a copy: the caller's own

    def predict(self, patient: PatientContext, values: Mapping[str, float | str]) -> list[RiskPrediction]:
        """One prediction per model, in load order; ``values`` are canonical-unit observations by code.

        Every row is prepared first, then scored by one onnxruntime run for all the models
        (``triage.combined_session``; without it, by their runs back to back: interleaved with the
        explanations, each run cost about twice as much inside ``assess()`` as in a loop of runs),
        and the explanations follow."""
        predictions: list[RiskPrediction] = []
        pending: list[tuple[int, RiskModel, PreparedRow, list[str]]] = []
        runs: list[tuple[int, list[float]]] = []  # (model index, row) for the combined run
        rows: dict[str, tuple[list[float | None], list[str]]] = {}
        # the BMI the models take (a size measured today first), worked out once for all of them
        bmi = body_mass_index(patient.__dict__, values) if self._bmi else None
        for name, model in self.models.items():
            limits = self._limits[name]
            if limits is not None:
                reason = outside_population(limits, patient)
                if reason is not None:
                    predictions.append(model.not_scored(reason))
                    continue
            built = rows.get(self._row_of[name])
            if built is None:
                built = rows[self._row_of[name]] = self._features(name, patient, values, bmi)
            row, notes = built
            prepared = model.prepare(row)
            if isinstance(prepared, RiskPrediction):
                if notes and "bmi" in prepared.missing:  # a measured size not used: say so
                    prepared = _bmi_missing_noted(model, prepared, notes)
                predictions.append(prepared)
            else:
                pending.append((len(predictions), model, prepared, notes))
                runs.append((self._index[name], prepared.row))
                predictions.append(_PLACEHOLDER)
        combined = self._combined
        if combined is not None and pending:
            probabilities = combined.score(runs)
        else:
            probabilities = [model._score(prepared.row) for _, model, prepared, _ in pending]
        for (position, model, prepared, notes), probability in zip(pending, probabilities, strict=True):
            predictions[position] = model.finish(probability, prepared, notes)
        return predictions

    def _features(
        self,
        name: str,
        patient: PatientContext,
        values: Mapping[str, float | str],
        bmi: tuple[float | None, BmiSource | None] | None = None,
    ) -> tuple[list[float | None], list[str]]:
        """Model ``name``'s features in card order (``None`` = unknown) with stand-ins applied, and
        what was stood in (models with the same features share the result); ``bmi`` is
        ``body_mass_index`` of the patient and values when the caller has it."""
        row = feature_row(self._plans[name], patient, values, bmi)
        notes: list[str] = []
        for index, feature in self._stand_ins[name]:
            if row[index] is None:
                found: dict[str, float | None] = {feature: None}
                notes.extend(substitute(found, (feature,), values))
                row[index] = found[feature]
        if name in self._bmi and (note := bmi_note(patient, values, bmi)) is not None:
            notes.append(note)
        return row, notes
