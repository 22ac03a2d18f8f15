"""Re-run the held-out evaluation of a shipped model version and compare it with its card.

A reviewer's check (``triage models evaluate NAME``): the packaged table is loaded and checked
against the card's ``table_sha256``, split as in training, and the held-out rows are scored by the
shipped ``model.onnx`` (not a re-trained one). Every number of the card's ``metrics`` is computed
again and compared; a finer calibration table (quantile groups with a Wilson 95% interval of the
observed rate) and how often each input was unknown (and so imputed or refused) are added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from models.calibration_plot import wilson_ci95
from models.card import HeldOutMetrics, ModelCard
from models.errors import ReproducibilityError
from models.training import metrics
from models.training.artefacts import held_out_metrics
from models.training.pipeline import in_population, ort_probability, prepare, recipe_for, session


@dataclass(frozen=True)
class Comparison:
    item: str  # e.g. "auroc", "at_thresholds.high", "subgroups.age<50"
    card: Any
    recomputed: Any

    @property
    def same(self) -> bool:
        return bool(self.card == self.recomputed)


@dataclass(frozen=True)
class Evaluation:
    card: ModelCard
    recomputed: HeldOutMetrics
    comparisons: list[Comparison]
    calibration: list[dict[str, Any]]  # quantile groups: n, events, mean_predicted, observed_rate, ci95
    unknown: list[
        dict[str, Any]
    ]  # per input: missing policy, median, unknown in the table / train / held-out
    left_out: dict[str, int]  # rows of the loaded table left out for an unknown reject input
    imputed_rows: dict[str, Any]  # held-out rows with at least one imputed input (subgroup summary)

    @property
    def reproduced(self) -> bool:
        return all(c.same for c in self.comparisons)


def _compare(card: HeldOutMetrics, fresh: HeldOutMetrics) -> list[Comparison]:
    """Field by field (dict fields key by key), as JSON values, so 0.2 == 0.2 and tuples == lists."""
    shipped, recomputed = card.model_dump(mode="json"), fresh.model_dump(mode="json")
    rows = []
    for field in HeldOutMetrics.model_fields:
        # an optional field (outside_population) is absent when null
        card_value: Any = shipped.get(field)
        fresh_value: Any = recomputed.get(field)
        if field in ("at_thresholds", "subgroups"):
            # in the card's order, as the training wrote it and CARD.md shows it (subgroups: the split
            # at 50, then the age bands by age, sex, inputs; sorted, "age 40-49" came before "age<40")
            for key in [*card_value, *(k for k in fresh_value if k not in card_value)]:
                rows.append(Comparison(f"{field}.{key}", card_value.get(key), fresh_value.get(key)))
        else:  # calibration_bins and outside_population are compared whole
            rows.append(Comparison(field, card_value, fresh_value))
    return rows


def calibration_groups(y: np.ndarray, p: np.ndarray, groups: int) -> list[dict[str, Any]]:
    """``groups`` quantile groups of ``p``: mean predicted, observed rate and its Wilson 95% CI."""
    rows = []
    for idx in np.array_split(np.argsort(p, kind="stable"), groups):
        events = int(y[idx].sum())
        low, high = wilson_ci95(events, len(idx))
        rows.append(
            {
                "n": len(idx),
                "events": events,
                "mean_predicted": round(float(p[idx].mean()), 4),
                "observed_rate": round(events / len(idx), 4),
                "observed_ci95": [round(low, 4), round(high, 4)],
            }
        )
    return rows


def evaluate(card: ModelCard, onnx_bytes: bytes, groups: int = 10) -> Evaluation:
    """Score the held-out split with ``onnx_bytes`` (the verified shipped file) and compare."""
    recipe = recipe_for(card.name, card.version)  # a retired version keeps its recipe (its split, its rows)
    if tuple(recipe.feature_names) != card.feature_names:
        raise ReproducibilityError(
            f"{card.name} {card.version}: the training recipe's inputs {recipe.feature_names} are not the "
            f"card's {list(card.feature_names)}; it cannot re-run this version's evaluation"
        )
    prepared, _ = prepare(recipe)
    if prepared.table_sha256 != card.training.data.table_sha256:
        raise ReproducibilityError(
            f"{card.name} {card.version}: the packaged data gives the feature table sha256 "
            f"{prepared.table_sha256}, the card's training.data.table_sha256 is {card.training.data.table_sha256}"
        )
    # the population the engine scores with this card (a card of an older version may differ from the recipe's)
    scored = in_population(card.population, list(card.feature_names), prepared.X_test)
    prepared = replace(prepared, scored_test=scored)
    p_all = ort_probability(session(onnx_bytes), prepared.X_test)
    # the thresholds and the population the engine uses
    fresh = held_out_metrics(recipe, prepared, p_all, card.thresholds, card.population)
    y, p = prepared.y_test[scored], p_all[scored]
    imputed = prepared.unknown_test[scored].any(axis=1)
    unknown = [
        {
            "feature": f.name,
            "missing": f.missing,
            "median": f.median,
            "unknown_loaded": prepared.unknown_loaded[f.name],
            "unknown_train": int(prepared.unknown_train[:, f.index].sum()),
            "unknown_test": int(prepared.unknown_test[:, f.index].sum()),
        }
        for f in card.features
    ]
    summary: dict[str, Any] = {"n": int(imputed.sum()), "events": int(y[imputed].sum())}
    if imputed.any():
        summary = metrics.subgroup(y[imputed], p[imputed]) | summary
    return Evaluation(
        card=card,
        recomputed=fresh,
        comparisons=_compare(card.metrics, fresh),
        calibration=calibration_groups(y, p, groups),
        unknown=unknown,
        left_out={
            "rows_loaded": prepared.rows_loaded,
            "rows_left_out": prepared.rows_loaded - prepared.rows_used - prepared.rows_outside_population,
            "events_left_out": prepared.events_left_out,
            # left out before the split as outside the population (a recipe trained on it alone)
            "rows_outside_population": prepared.rows_outside_population,
            "events_outside_population": prepared.events_outside_population,
        },
        imputed_rows=summary,
    )
