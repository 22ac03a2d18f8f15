"""The model card (``card.json``) schema and the registry (``registry.json``) schema.

One card describes one immutable version directory ``models/<name>/<version>/``: the feature
contract the ONNX graph expects (names, order, units, dtype, training range, missing-value
policy), where the training data came from (package, version, file, filter, sha256), the outcome,
held-out metrics, decision thresholds, intended use and limitations, the sha256 of ``model.onnx``
and the golden-vector file that must replay within ``parity.tolerance``.

This module is pure (pydantic only): the serving loader validates cards with it and the trainer
writes them with it, so both sides share one contract.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from referral.value_sets import RISK_MODELS_LABEL

CARD_SCHEMA_VERSION: Literal[1] = 1
REGISTRY_SCHEMA_VERSION: Literal[1] = 1
#: The label every card carries: the one of ``referral.value_sets`` (the bottom layer, which every
#: package may import), so the cards, the engine's phrases and the exports say the same words.
TEACHING_LABEL = RISK_MODELS_LABEL

MissingPolicy = Literal["reject", "impute_median"]
Band = Literal["low", "medium", "high"]


def _without_null(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data`` without ``key`` when it is null: an optional field added later leaves the cards
    written before it byte for byte."""
    if data.get(key) is None:
        data.pop(key, None)
    return data


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureSpec(_Strict):
    """One column of the model input, in the order given by ``index``."""

    name: str = Field(description="vocabulary code or PatientContext-derived name")
    index: int = Field(ge=0)
    source: Literal["patient", "observation"]
    dtype: Literal["float32"] = "float32"
    unit: str = Field(description="UCUM unit; '1' for counts/ordinals, '{bool}' for 0/1 flags")
    kind: Literal["continuous", "binary", "ordinal"]
    range: tuple[float, float] = Field(description="min and max seen in the training data")
    missing: MissingPolicy
    median: float = Field(description="training-split median, used by impute_median")
    description: str
    source_column: str = Field(description="column and conversion in the source table")


class DataProvenance(_Strict):
    package: str = Field(description="distribution==version that ships the table")
    files: dict[str, str] = Field(description="path inside the installed package -> sha256 of the file")
    rows_in_source: int
    filter: str
    rows_used: int
    table_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="sha256 of the used feature table (float32 X, then int8 y)"
    )
    licence_note: str


class SplitSpec(_Strict):
    method: str
    test_size: float
    seed: int
    n_train: int
    n_test: int
    events_train: int
    events_test: int


class Training(_Strict):
    data: DataProvenance
    split: SplitSpec
    estimator: str
    code: str
    versions: dict[str, str]
    coefficients: dict[str, float] = Field(description="log-odds per feature unit (original scale)")
    intercept: float = Field(description="log-odds at all features zero (original scale)")


class ThresholdMetric(_Strict):
    min_probability: float
    flagged: int
    sensitivity: float
    specificity: float
    ppv: float


#: Fewer events (or non-events) than this in a subgroup: its AUROC is said to be no firm estimate.
FIRM_OUTCOMES = 10


class SubgroupMetric(_Strict):
    n: int
    events: int
    auroc: float | None = Field(description="None when the subgroup has only one outcome class")
    mean_predicted: float
    observed_rate: float

    @property
    def too_few_outcomes(self) -> bool:
        """Fewer than :data:`FIRM_OUTCOMES` events or non-events: its AUROC is no firm estimate."""
        return min(self.events, self.n - self.events) < FIRM_OUTCOMES

    @property
    def auroc_text(self) -> str:
        """The AUROC as the card's texts give it: three decimals, or "not estimable"."""
        return "not estimable" if self.auroc is None else f"{self.auroc:.3f}"


class CalibrationBin(_Strict):
    """One quantile group of held-out predictions (calibration plot data)."""

    n: int
    mean_predicted: float
    observed_rate: float


class OutsidePopulation(_Strict):
    """Held-out rows the engine would not score (outside the card's population): left out of every
    held-out figure, so the figures are those of the patients the model is used for."""

    n: int
    events: int
    why: str = Field(description="which population limit puts them outside, e.g. 'age under 19 or over 90'")


#: What a calibration slope on held-out predictions that separate the outcomes completely is: no
#: estimate (the recalibration's likelihood has no maximum). The card's calibration statement and
#: `triage models list` say it in these words.
SLOPE_NOT_ESTIMATED = (
    "not an estimate: every held-out case is predicted above every non-case, so the slope has no finite "
    "maximum-likelihood value and this is where the fit stopped"
)


#: What a bootstrap interval of an AUROC of 1 (held-out outcomes separated completely) is: no
#: measure of uncertainty. `triage models list` says it in these words.
AUROC_CI_NO_MEASURE = (
    "no measure of uncertainty: every held-out case is predicted above every non-case, so every bootstrap "
    "resample separates them too and the interval is 1.000-1.000"
)


class HeldOutMetrics(_Strict):
    n: int = Field(description="held-out rows inside the population the model is scored for")
    events: int
    auroc: float
    auroc_ci95: tuple[float, float]
    auroc_ci_method: str
    brier: float
    calibration_slope: float
    calibration_intercept: float
    at_thresholds: dict[str, ThresholdMetric]
    calibration_bins: tuple[CalibrationBin, ...]
    subgroups: dict[str, SubgroupMetric]
    outside_population: OutsidePopulation | None = None

    @property
    def slope_note(self) -> str | None:
        """:data:`SLOPE_NOT_ESTIMATED` when the held-out predictions separate the outcomes completely
        (AUROC 1), else ``None``: the calibration slope is then where the fit stopped."""
        return SLOPE_NOT_ESTIMATED if self.auroc == 1 else None

    @property
    def auroc_ci_note(self) -> str | None:
        """:data:`AUROC_CI_NO_MEASURE` when the held-out predictions separate the outcomes completely
        (AUROC 1), else ``None``: each resample is then separated too and its interval 1-1."""
        return AUROC_CI_NO_MEASURE if self.auroc == 1 else None

    @model_serializer(mode="wrap")
    def _written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a card whose every held-out row is inside its population is written as before
        return _without_null(handler(self), "outside_population")


class Threshold(_Strict):
    band: Literal["medium", "high"]
    min_probability: float = Field(gt=0, lt=1)
    action: str
    source: str


class Population(_Strict):
    description: str
    sex: Literal["female", "male"] | None = Field(None, description="only this sex is scored")
    exclude_if: tuple[str, ...] = Field(
        (), description="PatientContext flags that, when true, put a patient outside the population"
    )
    ages: tuple[float, float] | None = Field(
        None,
        description="only patients of this age in years (inclusive) are scored; others are outside the population",
    )

    @model_validator(mode="after")
    def _ages_ordered(self) -> Population:
        if self.ages is not None and not 0 <= self.ages[0] <= self.ages[1]:
            raise ValueError(f"ages: {self.ages[0]:g}-{self.ages[1]:g} is not a range of ages")
        return self

    @model_serializer(mode="wrap")
    def _written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a card without an age bound is written as before: no "ages": null
        return _without_null(handler(self), "ages")


class OnnxSpec(_Strict):
    file: Literal["model.onnx"] = "model.onnx"
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int
    opset: dict[str, int]
    input: str
    input_width: int
    probability_output: str
    label_output: str
    positive_class_index: int


class Parity(_Strict):
    golden_file: Literal["golden.jsonl"] = "golden.jsonl"
    rows: int = Field(ge=50)
    inputs: str
    reference: str
    metric: Literal["max_abs_diff_probability"] = "max_abs_diff_probability"
    tolerance: float = Field(gt=0, le=1e-3)
    observed: float


class ModelCard(_Strict):
    schema_version: Literal[1] = CARD_SCHEMA_VERSION
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str
    outcome: str
    population: Population
    intended_use: str
    not_for: tuple[str, ...]
    limitations: tuple[str, ...]
    label: str = TEACHING_LABEL
    features: tuple[FeatureSpec, ...]
    training: Training
    metrics: HeldOutMetrics
    calibration: str
    thresholds: tuple[Threshold, ...]
    onnx: OnnxSpec
    parity: Parity

    @model_validator(mode="after")
    def _consistent(self) -> ModelCard:
        indices = [f.index for f in self.features]
        if indices != list(range(len(self.features))):
            raise ValueError(f"features must be listed in index order 0..{len(self.features) - 1}")
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            raise ValueError("feature names must be unique")
        if self.onnx.input_width != len(self.features):
            raise ValueError(f"onnx.input_width {self.onnx.input_width} != {len(self.features)} features")
        bands = [t.band for t in self.thresholds]
        if sorted(bands) != ["high", "medium"]:
            raise ValueError("thresholds must define exactly one 'medium' and one 'high' band")
        if self.threshold("medium") >= self.threshold("high"):
            raise ValueError("the medium threshold must be below the high threshold")
        if self.label != TEACHING_LABEL:
            raise ValueError(f"label must be {TEACHING_LABEL!r}")
        self._thresholds_measured()
        return self

    def _thresholds_measured(self) -> None:
        """Each band's threshold is the one its held-out operating point was measured at.

        card.json carries no hash of its own: a threshold edited by hand, CARD.md re-rendered to
        match, loaded and passed `verify`. Now it must also equal ``metrics.at_thresholds``, written
        by the training with the sensitivity and specificity measured at it. An edit of both is not
        caught here (the operating points would then be stale): `triage models evaluate` recomputes them.
        """
        for t in self.thresholds:
            point = self.metrics.at_thresholds.get(t.band)
            measured = None if point is None else point.min_probability
            if measured != t.min_probability:
                raise ValueError(
                    f"the {t.band} threshold is {t.min_probability:g}, but its held-out operating point "
                    f"(metrics.at_thresholds.{t.band}) was measured at {measured}: the threshold was edited "
                    "by hand; a version directory is write-once: restore the shipped card or train a new version"
                )

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    def threshold(self, band: Literal["medium", "high"]) -> float:
        return next(t.min_probability for t in self.thresholds if t.band == band)

    def contract_hash(self) -> str:
        """sha256 of the ordered feature contract (name, unit, dtype). Not stored in the ONNX file: its
        metadata carries ``model_id``, ``version`` and ``feature_names`` only (the loader checks the
        names; units are checked against the vocabulary, dtype by the session's input type)."""
        return feature_contract_hash(self.features)


def feature_contract_hash(features: tuple[FeatureSpec, ...] | list[FeatureSpec]) -> str:
    text = json.dumps([[f.name, f.unit, f.dtype] for f in features], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class RegistryReview(_Strict):
    """A review of a version after its approval - e.g. of its card corrected in place since: who
    read it, when, and what the correction means for the approval (not a new approval)."""

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    reviewer: str = Field(min_length=1)
    note: str = Field(min_length=1, description="what was reviewed and what it means")


class RegistryVersion(_Strict):
    status: Literal["candidate", "active", "retired"]
    approved_by: str | None = None
    date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    note: str = ""
    reviews: tuple[RegistryReview, ...] = Field((), description="re-reviews after the approval, oldest first")

    @model_validator(mode="after")
    def _reviews_after_approval(self) -> RegistryVersion:
        for review in self.reviews:
            if self.date is not None and review.date < self.date:
                raise ValueError(f"a review dated {review.date} is before the approval of {self.date}")
        return self


class RegistryEntry(_Strict):
    active: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    versions: dict[str, RegistryVersion]

    @model_validator(mode="after")
    def _active_listed(self) -> RegistryEntry:
        if self.active not in self.versions:
            raise ValueError(f"active version {self.active} is not listed under versions")
        if self.versions[self.active].status != "active":
            raise ValueError(f"active version {self.active} has status {self.versions[self.active].status!r}")
        # a version activated without the one before it retired (or made a candidate again)
        others = [v for v, info in self.versions.items() if info.status == "active" and v != self.active]
        if others:
            raise ValueError(
                f"version {others[0]} has status 'active' but the active version is {self.active}: set its status "
                "to 'retired' (or 'candidate')"
            )
        return self


class Registry(_Strict):
    schema_version: Literal[1] = REGISTRY_SCHEMA_VERSION
    models: dict[str, RegistryEntry]
