"""What a model module declares: its features, outcome, population, thresholds and data loader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from models.card import MissingPolicy, Population, Threshold

TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
SPLIT_SEED = 0
TEST_SIZE = 0.3
GOLDEN_ROWS = 64
GOLDEN_SEED = 20261125
PARITY_TOLERANCE = 1e-5


@dataclass(frozen=True)
class FeatureRecipe:
    name: str
    source: Literal["patient", "observation"]
    unit: str
    kind: Literal["continuous", "binary", "ordinal"]
    missing: MissingPolicy
    description: str
    source_column: str
    step: float = 0.125
    """Power-of-two grid for synthetic golden inputs (float32-exact by construction)."""


@dataclass(frozen=True)
class Dataset:
    """Features in canonical units (float32-exact float64, NaN = missing) and a 0/1 outcome."""

    X: pd.DataFrame
    y: np.ndarray
    package: str
    files: dict[str, str]
    rows_in_source: int
    filter: str
    licence_note: str


@dataclass(frozen=True)
class Recipe:
    name: str
    version: str
    title: str
    outcome: str
    population: Population
    intended_use: str
    not_for: tuple[str, ...]
    limitations: tuple[str, ...]
    features: tuple[FeatureRecipe, ...]
    thresholds: tuple[Threshold, ...]
    load: Callable[[], Dataset]
    code: str
    regularisation_c: float = 1.0
    # the title in model.onnx's doc_string when the card's was corrected in place (a version's
    # model.onnx is write-once); None: the title
    onnx_title: str | None = None
    # fit (and hold out) only the rows inside ``population`` - its ages, its sex -, the patients the
    # engine scores (ckd 1.1.0: the data's adults); False: every row, the population applied to the
    # held-out figures alone (ckd 1.0.0 was fitted with the data's children)
    train_on_population: bool = False

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]


def float32_exact(values: pd.Series | np.ndarray) -> np.ndarray:
    """Round to the nearest float32 and widen again, so sklearn (float64) and ORT (float32) agree."""
    return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)


def fasting_stand_in(trained_on: str) -> str:
    """The limitation of a card with a ``glucose_random`` input other than the diabetes model's
    (whose own says it): the engine feeds it a fasting glucose when no random one is recorded
    (triage.riskfeatures.SUBSTITUTES), which the held-out figures do not cover."""
    return (
        "Given a fasting glucose when no random one is recorded: the clinic then feeds glucose_random a fasting "
        "glucose (the explanation says 'glucose_random taken from glucose_fasting'), not the training median; "
        f"the training glucose was {trained_on}, so the held-out figures are for that glucose (or its training "
        "median where it was unknown), not for a fasting one, and such a probability is only indicative."
    )
