"""The shared training pipeline: recipe -> deterministic fitted estimator -> ONNX -> card.

Steps (all deterministic): load the packaged table and assert its sha256; drop rows missing a
``reject`` feature; stratified 70/30 split with a fixed seed; impute ``impute_median`` features
with the training-split median (the same median the serving side uses, recorded in the card);
fit ``StandardScaler + LogisticRegression`` on float32-exact values under one BLAS/OpenMP
thread; convert with skl2onnx (explicit opset, no ZipMap); score the held-out split through
onnxruntime, its figures on the rows inside the card's population (:func:`in_population`: the
patients the engine scores); replay synthetic golden rows through both sklearn and onnxruntime.
"""

from __future__ import annotations

import hashlib
import importlib
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as dist_version
from pathlib import Path

import numpy as np
from skl2onnx import to_onnx
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import models
from models.card import Population
from models.errors import NotFoundError
from models.training import RECIPE_MODULES
from models.training.recipe import (
    GOLDEN_ROWS,
    GOLDEN_SEED,
    SPLIT_SEED,
    TARGET_OPSET,
    TEST_SIZE,
    Recipe,
    float32_exact,
)
from triage.ort import ort
from triage.riskmodels_cards import read_registry

Progress = Callable[[str], None]


def recipe_for(name: str, version: str | None = None) -> Recipe:
    """The recipe of model ``name`` at ``version`` (default: its newest, ``RECIPE``). A module that
    keeps the recipe of an older version, so that its shipped files are re-trained byte for byte
    and its card's figures re-computed, lists them all in ``RECIPES`` (version -> recipe)."""
    if name not in RECIPE_MODULES:
        raise NotFoundError(
            f"no training recipe for model {name!r}; known: {', '.join(sorted(RECIPE_MODULES))}"
        )
    module = importlib.import_module(RECIPE_MODULES[name])
    newest: Recipe = module.RECIPE
    if version is None:
        return newest
    recipes: dict[str, Recipe] = getattr(module, "RECIPES", {newest.version: newest})
    if version not in recipes:
        raise NotFoundError(
            f"no training recipe for model {name} version {version}; known: {', '.join(recipes)}"
        )
    return recipes[version]


@dataclass(frozen=True)
class Prepared:
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    medians: dict[str, float]
    ranges: dict[str, tuple[float, float]]
    rows_used: int
    table_sha256: str
    unknown_train: np.ndarray  # bool, rows x features: the value was unknown (and is now the median)
    unknown_test: np.ndarray
    unknown_loaded: dict[str, int]  # per feature, in the loaded table before rows were left out
    rows_loaded: int
    events_left_out: int  # outcome events among the rows left out for an unknown reject input
    scored_test: np.ndarray  # bool per held-out row: inside the card's population (the engine scores it)
    # rows with every reject input known left out before the split as outside the population
    # (recipe.train_on_population), and the events among them; 0 for a recipe fitted on every row
    rows_outside_population: int = 0
    events_outside_population: int = 0


def prepare(recipe: Recipe) -> tuple[Prepared, dict[str, object]]:
    """Load, filter, split and impute; also returns the provenance fields for the card."""
    data = recipe.load()
    names = recipe.feature_names
    frame = data.X[names]
    reject = [f.name for f in recipe.features if f.missing == "reject"]
    known = frame[reject].notna().all(axis=1).to_numpy()
    inside = np.ones(len(frame), dtype=bool)
    row_filter = data.filter
    if recipe.train_on_population:
        inside = in_population(recipe.population, names, frame.to_numpy(dtype=np.float64))
        row_filter += f"; only the rows inside the population the engine scores ({_population_words(recipe.population)})"
    keep = known & inside
    X = frame.to_numpy(dtype=np.float64)[keep]
    y_loaded = np.asarray(data.y, dtype=np.int64)
    y = y_loaded[keep]
    table = hashlib.sha256(X.astype(np.float32).tobytes() + y.astype(np.int8).tobytes()).hexdigest()
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=y
    )
    X_train, X_test = X[idx_train].copy(), X[idx_test].copy()
    medians: dict[str, float] = {}
    ranges: dict[str, tuple[float, float]] = {}
    unknown_train, unknown_test = np.isnan(X_train), np.isnan(X_test)
    for j, name in enumerate(names):
        column = X_train[:, j]
        medians[name] = float(float32_exact(np.array([np.nanmedian(column)]))[0])
        ranges[name] = (float(np.nanmin(column)), float(np.nanmax(column)))
        for part in (X_train, X_test):
            part[np.isnan(part[:, j]), j] = medians[name]
    provenance: dict[str, object] = {
        "package": data.package,
        "files": data.files,
        "rows_in_source": data.rows_in_source,
        "filter": row_filter,
        "rows_used": len(y),
        "table_sha256": table,
        "licence_note": data.licence_note,
    }
    prepared = Prepared(
        X_train,
        X_test,
        y[idx_train],
        y[idx_test],
        medians,
        ranges,
        len(y),
        table,
        unknown_train,
        unknown_test,
        {name: int(frame[name].isna().sum()) for name in names},
        len(frame),
        int(y_loaded[~known].sum()),
        in_population(recipe.population, names, X_test),
        int((known & ~inside).sum()),
        int(y_loaded[known & ~inside].sum()),
    )
    return prepared, provenance


def _population_words(population: Population) -> str:
    """``ages 19-90``, ``female``: the limits :func:`in_population` applies."""
    limits = [] if population.ages is None else ["ages {:g}-{:g}".format(*population.ages)]
    return ", ".join(limits + ([population.sex] if population.sex is not None else []))


def in_population(population: Population, names: list[str], X: np.ndarray) -> np.ndarray:
    """Which rows of ``X`` (card order) the engine scores by the card's population: its ages
    (inclusive, in completed years, as triage.riskfeatures.outside_population takes them) and its
    sex when ``sex_male`` is an input. The held-out figures are computed on these rows only, so
    they are those of the patients the model is used for (ckd: the UCI data's children are not)."""
    keep = np.ones(len(X), dtype=bool)
    if population.ages is not None:
        low, high = population.ages
        age = np.floor(X[:, names.index("age")])
        keep &= (age >= low) & (age <= high)
    if population.sex is not None and "sex_male" in names:
        keep &= X[:, names.index("sex_male")] == float(population.sex == "male")
    return keep


def make_estimator(recipe: Recipe) -> Pipeline:
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=recipe.regularisation_c, max_iter=2000)),
        ]
    )


def fit(recipe: Recipe, prepared: Prepared) -> Pipeline:
    estimator = make_estimator(recipe)
    with threadpool_limits(1):
        estimator.fit(prepared.X_train, prepared.y_train)
    return estimator


def active_version(name: str, directory: Path | None = None) -> str:
    """The version of model ``name`` that the ``registry.json`` of ``directory`` (default: the
    shipped models folder) names active: the one the engine loads and serves."""
    root = directory if directory is not None else models.MODELS_DIR
    registry = read_registry(root)
    if name not in registry.models:
        raise NotFoundError(
            f"no model {name!r} in {root / 'registry.json'}; known: {', '.join(registry.models)}"
        )
    return registry.models[name].active


def fit_estimator(
    name: str, version: str | None = None, directory: Path | None = None
) -> tuple[Pipeline, np.ndarray]:
    """Rebuild the fitted scikit-learn estimator of a shipped model version (deterministically;
    default: the registry's active version, :func:`active_version` - the one the engine serves, not
    the newest recipe, which may be a candidate) and return it with its held-out rows as float32 -
    e.g. for benchmarking sklearn ``predict_proba`` against the served ONNX file."""
    recipe = recipe_for(name, version if version is not None else active_version(name, directory))
    prepared, _ = prepare(recipe)
    return fit(recipe, prepared), prepared.X_test.astype(np.float32)


def to_onnx_bytes(recipe: Recipe, estimator: Pipeline, X_sample: np.ndarray) -> bytes:
    onx = to_onnx(
        estimator,
        X_sample[:1].astype(np.float32),
        target_opset=TARGET_OPSET,
        options={LogisticRegression: {"zipmap": False}},
    )
    title = recipe.onnx_title or recipe.title
    onx.doc_string = f"{recipe.name} {recipe.version}: {title}. Teaching data - not for clinical use."
    meta = {
        "model_id": recipe.name,
        "version": recipe.version,
        "feature_names": ",".join(recipe.feature_names),
    }
    for key, value in meta.items():
        entry = onx.metadata_props.add()
        entry.key, entry.value = key, value
    data: bytes = onx.SerializeToString()
    return data


def session(onnx_bytes: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(onnx_bytes, sess_options=options, providers=["CPUExecutionProvider"])


def ort_probability(sess: ort.InferenceSession, X: np.ndarray) -> np.ndarray:
    (proba,) = sess.run(["probabilities"], {"X": X.astype(np.float32)})
    return np.asarray(proba[:, 1], dtype=np.float64)


def golden_inputs(recipe: Recipe, prepared: Prepared) -> np.ndarray:
    """Synthetic, float32-exact rows inside the training range (no real patient rows are shipped):
    row 0 holds every training median, the rest are drawn on each feature's power-of-two grid."""
    rng = np.random.default_rng(GOLDEN_SEED)
    columns = []
    for f in recipe.features:
        lo, hi = prepared.ranges[f.name]
        if f.kind == "continuous":
            grid_lo, grid_hi = np.ceil(lo / f.step), np.floor(hi / f.step)
            draws = rng.integers(int(grid_lo), int(grid_hi) + 1, GOLDEN_ROWS - 1) * f.step
        else:
            draws = rng.integers(int(lo), int(hi) + 1, GOLDEN_ROWS - 1).astype(np.float64)
        columns.append(np.concatenate([[prepared.medians[f.name]], draws]))
    return float32_exact(np.column_stack(columns))


def library_versions() -> dict[str, str]:
    names = ["scikit-learn", "skl2onnx", "onnx", "onnxruntime", "numpy", "pandas", "protobuf"]
    return {"python": platform.python_version(), **{n: dist_version(n) for n in names}}


def original_scale_coefficients(recipe: Recipe, estimator: Pipeline) -> tuple[dict[str, float], float]:
    """Log-odds per unit of each feature, and the intercept, with the scaler folded in."""
    scaler: StandardScaler = estimator.named_steps["scale"]
    lr: LogisticRegression = estimator.named_steps["lr"]
    beta = lr.coef_[0] / scaler.scale_
    intercept = float(lr.intercept_[0] - np.sum(beta * scaler.mean_))
    return {n: round(float(b), 6) for n, b in zip(recipe.feature_names, beta, strict=True)}, round(
        intercept, 6
    )
