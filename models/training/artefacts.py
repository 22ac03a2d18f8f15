"""Build a whole version directory in memory, then write it (write-once) or compare it with the
shipped one byte for byte."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.card import (
    CalibrationBin,
    DataProvenance,
    FeatureSpec,
    HeldOutMetrics,
    ModelCard,
    OnnxSpec,
    OutsidePopulation,
    Parity,
    Population,
    SplitSpec,
    SubgroupMetric,
    Threshold,
    ThresholdMetric,
    Training,
)
from models.card_markdown import render_card
from models.errors import ConflictError, ReproducibilityError
from models.manifest import MANIFEST, parse, render
from models.training import metrics
from models.training.pipeline import (
    Prepared,
    Progress,
    fit,
    golden_inputs,
    library_versions,
    original_scale_coefficients,
    ort_probability,
    prepare,
    recipe_for,
    session,
    to_onnx_bytes,
)
from models.training.recipe import PARITY_TOLERANCE, SPLIT_SEED, TARGET_OPSET, TEST_SIZE, Recipe

FILES = ("model.onnx", "card.json", "golden.jsonl", "CARD.md", MANIFEST)
GOLDEN_DIGITS = 10


@dataclass(frozen=True)
class Built:
    card: ModelCard
    files: dict[str, bytes]


def _quiet(_: str) -> None:
    return None


#: Held-out age bands of the card beside age<50/age>=50 (years, lower bound inclusive): decades,
#: where a risk model's discrimination and calibration are usually reported; empty bands are left out.
AGE_BANDS = (
    ("age<40", 0, 40),
    ("age 40-49", 40, 50),
    ("age 50-59", 50, 60),
    ("age 60-69", 60, 70),
    ("age>=70", 70, 999),
)


def _subgroups(names: list[str], X: np.ndarray, unknown: np.ndarray) -> dict[str, np.ndarray]:
    """Held-out subgroups reported in the card: age below/at least 50 and by decade
    (:data:`AGE_BANDS`), sex when it is an input, and the rows scored with every input measured
    or with at least one imputed (``unknown``: rows x features, the value was unknown and is the
    training median)."""
    age = X[:, names.index("age")]
    groups = {"age<50": age < 50, "age>=50": age >= 50}
    groups.update({label: (age >= low) & (age < high) for label, low, high in AGE_BANDS})
    if "sex_male" in names:
        male = X[:, names.index("sex_male")] == 1
        groups.update({"sex=female": ~male, "sex=male": male})
    imputed: np.ndarray = np.asarray(unknown.any(axis=1))
    if imputed.any() and not imputed.all():
        groups.update({"inputs=complete": ~imputed, "inputs=imputed": imputed})
    return {label: mask for label, mask in groups.items() if mask.any()}


def imputation_limitation(names: list[str], unknown: np.ndarray, held_out: HeldOutMetrics) -> str | None:
    """The card's limitation for risks computed with imputed inputs, from the held-out subgroups
    ``inputs=imputed`` and ``inputs=complete``; ``None`` when no held-out row had one imputed."""
    imputed, complete = held_out.subgroups.get("inputs=imputed"), held_out.subgroups.get("inputs=complete")
    if imputed is None or complete is None:
        return None
    counts = unknown.sum(axis=0)
    which = ", ".join(f"{names[i]} {int(counts[i])}" for i in np.argsort(-counts, kind="stable") if counts[i])
    auroc, complete_auroc, few = imputed.auroc_text, complete.auroc_text, imputed.too_few_outcomes
    return (
        "A risk computed with an input unknown is computed as if that input were its training median, so it is "
        "less certain than with the input measured; the explanation of a risk names the inputs so imputed and "
        f"their medians. On the {imputed.n} held-out rows with at least one imputed ({which}) the AUROC is "
        f"{auroc} ({imputed.events} events{', too few outcomes for a firm estimate' if few else ''}), against "
        f"{complete_auroc} on the {complete.n} rows with every input measured ({complete.events} events; "
        "subgroups inputs=imputed and inputs=complete)."
    )


def calibration_statement(held_out: HeldOutMetrics) -> str:
    """The card's ``calibration``: no recalibration, and what the held-out slope and intercept say
    (slope above 1: predictions more moderate than the outcomes; below 1: more extreme; intercept
    above 0: lower than the observed rate on average; below 0: higher). It said "none needed" on
    every card, ckd's slope of 2.52 too."""
    slope, intercept = held_out.calibration_slope, held_out.calibration_intercept
    slope_says = (
        "1: as it should be"
        if round(slope, 2) == 1
        else "above 1: the predictions are more moderate than the outcomes, closer to the average risk"
        if slope > 1
        else "below 1: the predictions are more extreme than the outcomes"
    )
    intercept_says = (
        "0: as it should be"
        if round(intercept, 2) == 0
        else "above 0: the predictions are on average lower than the observed rate"
        if intercept > 0
        else "below 0: the predictions are on average higher than the observed rate"
    )
    slope_says = held_out.slope_note or slope_says  # complete separation: the likelihood has no maximum
    return (
        "Not recalibrated: the probabilities are the logistic regression's own. The held-out calibration slope "
        f"is {slope:.2f} ({slope_says}) and the calibration intercept {intercept:.2f} ({intercept_says}), "
        "against 1 and 0 for calibrated predictions; the calibration quintiles show where they depart."
    )


def held_out_metrics(
    recipe: Recipe,
    prepared: Prepared,
    p: np.ndarray,
    thresholds: tuple[Threshold, ...],
    population: Population,
) -> HeldOutMetrics:
    """The card's ``metrics``: held-out probabilities ``p`` (onnxruntime) against the held-out
    outcome, with the operating point of each of ``thresholds`` (the recipe's when training, the
    card's when a shipped version is evaluated again). Only the held-out rows inside
    ``population`` count (``prepared.scored_test``, computed for it); the others are counted in
    ``outside_population``."""
    scored = prepared.scored_test
    y, p = prepared.y_test[scored], p[scored]
    slope, intercept = metrics.calibration(y, p)
    low, high = metrics.auroc_ci95(y, p)
    at = {
        t.band: ThresholdMetric.model_validate(metrics.operating_point(y, p, t.min_probability))
        for t in thresholds
    }
    return HeldOutMetrics(
        n=len(y),
        events=int(y.sum()),
        auroc=round(metrics.auroc(y, p), 4),
        auroc_ci95=(round(low, 4), round(high, 4)),
        auroc_ci_method=f"percentile bootstrap, stratified, {metrics.BOOTSTRAP_RESAMPLES} resamples, seed {metrics.BOOTSTRAP_SEED}",
        brier=round(metrics.brier(y, p), 4),
        calibration_slope=round(slope, 4),
        calibration_intercept=round(intercept, 4),
        at_thresholds=at,
        calibration_bins=tuple(CalibrationBin.model_validate(b) for b in metrics.calibration_bins(y, p)),
        subgroups={
            label: SubgroupMetric.model_validate(metrics.subgroup(y[mask], p[mask]))
            for label, mask in _subgroups(
                recipe.feature_names, prepared.X_test[scored], prepared.unknown_test[scored]
            ).items()
        },
        outside_population=_outside_population(population, prepared),
    )


def _outside_population(population: Population, prepared: Prepared) -> OutsidePopulation | None:
    """The held-out rows left out of the figures because the engine does not score them."""
    outside = ~prepared.scored_test
    if not outside.any():
        return None
    limits = []
    if population.ages is not None:
        low, high = population.ages
        limits.append(f"age under {low:g} or over {high:g}")
    if population.sex is not None:
        limits.append(f"not {population.sex}")
    return OutsidePopulation(
        n=int(outside.sum()), events=int(prepared.y_test[outside].sum()), why="; ".join(limits)
    )


def build(name: str, progress: Progress = _quiet, version: str | None = None) -> Built:
    """The version directory of model ``name`` at ``version`` (default: its newest recipe), in memory."""
    recipe = recipe_for(name, version)
    progress(f"{name}: loading and checking the packaged table")
    prepared, provenance = prepare(recipe)
    progress(f"{name}: fitting on {len(prepared.y_train)} rows, holding out {len(prepared.y_test)}")
    estimator = fit(recipe, prepared)
    progress(f"{name}: converting to ONNX (opset {TARGET_OPSET})")
    onnx_bytes = to_onnx_bytes(recipe, estimator, prepared.X_train)
    sess = session(onnx_bytes)

    progress(f"{name}: held-out metrics (bootstrap {metrics.BOOTSTRAP_RESAMPLES} resamples)")
    held_out = held_out_metrics(
        recipe, prepared, ort_probability(sess, prepared.X_test), recipe.thresholds, recipe.population
    )

    progress(f"{name}: golden vectors")
    golden = golden_inputs(recipe, prepared)
    expected = estimator.predict_proba(golden)[:, 1]
    observed = float(np.max(np.abs(ort_probability(sess, golden) - expected)))
    if observed > PARITY_TOLERANCE:
        raise ReproducibilityError(
            f"{name}: onnxruntime differs from scikit-learn by {observed:.2e} on the golden rows "
            f"(tolerance {PARITY_TOLERANCE:.0e}); the conversion is not faithful"
        )
    # The reference probability is written to GOLDEN_DIGITS significant digits: scikit-learn's
    # float64 result differs in its last bit from one CPU to another (OpenBLAS chooses its kernels
    # by CPU; seen on a new VM), and the file must reproduce byte for byte on any machine. The
    # rounding (at most 5e-11) is far below the parity tolerance.
    golden_lines = "".join(
        json.dumps({"inputs": [float(v) for v in row], "probability": float(f"{q:.{GOLDEN_DIGITS}g}")}) + "\n"
        for row, q in zip(golden, expected, strict=True)
    ).encode()

    coefficients, lr_intercept = original_scale_coefficients(recipe, estimator)
    imputed = imputation_limitation(
        recipe.feature_names, prepared.unknown_test[prepared.scored_test], held_out
    )
    card = ModelCard(
        name=recipe.name,
        version=recipe.version,
        title=recipe.title,
        outcome=recipe.outcome,
        population=recipe.population,
        intended_use=recipe.intended_use,
        not_for=recipe.not_for,
        limitations=recipe.limitations + tuple(filter(None, [imputed])),
        features=tuple(
            FeatureSpec(
                name=f.name,
                index=i,
                source=f.source,
                unit=f.unit,
                kind=f.kind,
                range=prepared.ranges[f.name],
                missing=f.missing,
                median=prepared.medians[f.name],
                description=f.description,
                source_column=f.source_column,
            )
            for i, f in enumerate(recipe.features)
        ),
        training=Training(
            data=DataProvenance.model_validate(provenance),
            split=SplitSpec(
                method="stratified holdout (sklearn train_test_split)",
                test_size=TEST_SIZE,
                seed=SPLIT_SEED,
                n_train=len(prepared.y_train),
                n_test=len(prepared.y_test),
                events_train=int(prepared.y_train.sum()),
                events_test=int(prepared.y_test.sum()),
            ),
            estimator=f"Pipeline(StandardScaler(), LogisticRegression(C={recipe.regularisation_c}, lbfgs))",
            code=recipe.code,
            versions=library_versions(),
            coefficients=coefficients,
            intercept=lr_intercept,
        ),
        metrics=held_out,
        calibration=calibration_statement(held_out),
        thresholds=recipe.thresholds,
        onnx=OnnxSpec(
            sha256=hashlib.sha256(onnx_bytes).hexdigest(),
            bytes=len(onnx_bytes),
            opset=TARGET_OPSET,
            input="X",
            input_width=len(recipe.features),
            probability_output="probabilities",
            label_output="label",
            positive_class_index=1,
        ),
        parity=Parity(
            rows=len(golden),
            inputs="synthetic rows on a power-of-two grid inside the training range (row 0: medians); "
            "no patient rows are shipped",
            reference="scikit-learn predict_proba in float64 on the same float32-exact inputs",
            tolerance=PARITY_TOLERANCE,
            observed=float(f"{observed:.3g}"),
        ),
    )
    card_bytes = (json.dumps(card.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode()
    files = {
        "model.onnx": onnx_bytes,
        "card.json": card_bytes,
        "golden.jsonl": golden_lines,
        "CARD.md": render_card(card).encode(),
    }
    files[MANIFEST] = render(files)
    return Built(card, files)


@dataclass(frozen=True)
class FileCheck:
    file: str
    status: str  # "identical" | "versions_only" | "differs" | "missing"
    detail: str

    @property
    def acceptable(self) -> bool:
        """Identical, or (for the card and its rendering) different only in recorded library versions."""
        return self.status == "identical" or (
            self.status == "versions_only" and self.file in ("card.json", "CARD.md", MANIFEST)
        )


def write(built: Built, directory: Path) -> tuple[Path, bool]:
    """Write the version directory; returns ``(path, created)``. An existing directory must be
    identical (versions are write-once), otherwise ``ConflictError``."""
    target = directory / built.card.name / built.card.version
    if target.exists():
        differences = [c for c in compare(built, target) if c.status != "identical"]
        if differences:
            raise ConflictError(
                f"{target} already exists and differs ({'; '.join(c.detail for c in differences)}); a version "
                "directory is write-once - bump the version in the recipe"
            )
        return target, False
    target.mkdir(parents=True)
    for file, data in built.files.items():
        (target / file).write_bytes(data)
    return target, True


def _card_without_versions(data: bytes) -> object:
    card = json.loads(data)
    card.get("training", {}).pop("versions", None)
    return card


def _markdown_without_versions(data: bytes) -> list[str]:
    return [line for line in data.decode().splitlines() if not line.startswith("- Libraries:")]


def _manifest_versions_only(shipped: bytes, fresh: bytes, card: Path) -> bool:
    """The shipped manifest equals the fresh one but for card.json's line (whose sha256 changes
    with the recorded library versions), and that line is the shipped card's sha256."""
    try:
        old, new = parse(shipped), parse(fresh)
    except ValueError:
        return False
    card_sha = hashlib.sha256(card.read_bytes()).hexdigest() if card.is_file() else None
    shipped_card, _ = old.pop("card.json"), new.pop("card.json")
    return old == new and shipped_card == card_sha


def compare(built: Built, target: Path) -> list[FileCheck]:
    """Compare a fresh build with the shipped directory ``target``, file by file."""
    checks = []
    for file in FILES:
        path = target / file
        fresh = built.files[file]
        fresh_sha = hashlib.sha256(fresh).hexdigest()
        if not path.is_file():
            checks.append(FileCheck(file, "missing", f"{path} does not exist"))
            continue
        shipped = path.read_bytes()
        if shipped == fresh:
            checks.append(FileCheck(file, "identical", f"sha256 {fresh_sha}"))
            continue
        only_versions = (
            file == "card.json" and _card_without_versions(shipped) == _card_without_versions(fresh)
        ) or (file == "CARD.md" and _markdown_without_versions(shipped) == _markdown_without_versions(fresh))
        # the manifest records card.json's sha256: it follows the card (a card that differs
        # beyond the versions is reported as card.json)
        only_versions = only_versions or (
            file == MANIFEST and _manifest_versions_only(shipped, fresh, target / "card.json")
        )
        if only_versions:
            checks.append(FileCheck(file, "versions_only", "differs only in the recorded library versions"))
            continue
        old = hashlib.sha256(shipped).hexdigest()
        checks.append(FileCheck(file, "differs", f"{file}: shipped sha256 {old}, re-trained {fresh_sha}"))
    return checks


def _recorded(target: Path) -> dict[str, str]:
    """The sha256 the shipped MANIFEST.sha256 records per file; empty when it is missing or malformed."""
    try:
        return parse((target / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}


def _why_not_reproduced(built: Built, target: Path, bad: list[FileCheck]) -> str:
    """What to do about the files that differ: a shipped file missing, or changed after the version
    was written (the re-training gives the sha256 its MANIFEST.sha256 records), is restored; only a
    re-trained file the manifest does not record either is library drift."""
    recorded = _recorded(target)
    missing = [c.file for c in bad if c.status == "missing"]
    changed = [
        c.file
        for c in bad
        if c.status == "differs" and recorded.get(c.file) == hashlib.sha256(built.files[c.file]).hexdigest()
    ]
    hints = []
    if missing:
        hints.append(f"{' and '.join(missing)} missing: restore the shipped version folder")
    if changed:
        hints.append(
            f"{' and '.join(changed)} changed after the version was written (the re-training gives the sha256 "
            f"{MANIFEST} records): restore the shipped file"
        )
    if len(missing) + len(changed) < len(bad):
        hints.append(
            "If only library versions changed, this is library drift: bump the MINOR version and re-train"
        )
    return ". ".join(hints) + "."


def check_reproduces(built: Built, target: Path) -> list[FileCheck]:
    """``compare``, raising ``ReproducibilityError`` unless model.onnx and golden.jsonl are byte-identical."""
    checks = compare(built, target)
    bad = [c for c in checks if not c.acceptable]
    if bad:
        raise ReproducibilityError(
            f"re-training {built.card.name} {built.card.version} does not reproduce {target}: "
            + "; ".join(c.detail for c in bad)
            + ". "
            + _why_not_reproduced(built, target, bad)
        )
    return checks
