"""Risk-model latency and throughput: onnxruntime (the serving path) against scikit-learn, same run.

Peers named by issue 2 section 6: scikit-learn single-row ``predict_proba`` of the same fitted
models (rebuilt deterministically by ``models.training.pipeline.fit_estimator``: the versions
loaded, the registry's active ones, which the output names), and batch
scoring throughput with onnxruntime (target >= 100,000 patients/s with all models). Threads are
capped at one (OMP/OpenBLAS/MKL via the Makefile, ``threadpool_limits(1)`` here, ORT session
options in ``triage.riskmodels``) as risk.md 4.3/4.6 explain.

``python -m bench riskmodels``. The engine's ``bench/triage.py`` may reuse ``sklearn_single_row``
and ``onnx_batch_throughput`` to compare ``assess()`` against the sklearn path in its own run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from bench.timing import percentiles
from triage.patient import PatientContext
from triage.riskmodels import ModelSet, RiskPrediction, load_models

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

PATIENT = PatientContext(
    age=61, sex="female", current_smoker=True, diabetes=False, on_antihypertensives=False, bmi=27.4
)
VALUES: dict[str, float | str] = {
    "sbp": 152.0,
    "dbp": 91.0,
    "total_cholesterol": 6.2,
    "heart_rate": 78.0,
    "glucose_random": 7.4,
    "urine_sg": 1.015,
    "urine_protein": "1+",
    "creatinine": 104.0,
    "hemoglobin": 128.0,
}


def sklearn_fitted(versions: Mapping[str, str]) -> dict[str, tuple[Pipeline, np.ndarray]]:
    """Per model, the scikit-learn estimator of the version given (``ModelSet.versions``: the ones
    the engine serves, not each model's newest recipe) and its held-out rows."""
    from models.training.pipeline import fit_estimator

    return {name: fit_estimator(name, version) for name, version in versions.items()}


def sklearn_versions_text(versions: Mapping[str, str]) -> str:
    """The line saying which versions the scikit-learn peer refits: those the ONNX side serves."""
    return (
        f"scikit-learn peer: {', '.join(f'{n} {v}' for n, v in versions.items())} refitted by "
        "models.training.pipeline.fit_estimator (the versions served above)"
    )


def sklearn_calls(versions: Mapping[str, str]) -> dict[str, Callable[[], object]]:
    """Per model, a call of scikit-learn ``predict_proba`` on one row of its training features, of
    the version given (:func:`sklearn_fitted`); also ``"all"``: every model in turn (the work
    ``assess()`` does with ONNX)."""
    fitted = sklearn_fitted(versions)
    calls: dict[str, Callable[[], object]] = {
        name: partial(estimator.predict_proba, X[:1].astype(np.float64))
        for name, (estimator, X) in fitted.items()
    }
    each = [calls[name] for name in versions]

    def every() -> None:
        for call in each:
            call()

    calls["all"] = every
    return calls


def sklearn_single_row(versions: Mapping[str, str], calls: int = 2000) -> dict[str, tuple[float, float]]:
    """Per model (p50, p99) µs of scikit-learn ``predict_proba`` on one row of the version given;
    also ``"all"`` (all models in turn)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return {
            name: percentiles(call, calls if name != "all" else calls // 2, warm_up=200)
            for name, call in sklearn_calls(versions).items()
        }


def onnx_batch_throughput(model_set: ModelSet, patients: int = 100_000, repeats: int = 5) -> float:
    """Patients per second when every model scores a batch of ``patients`` rows (best of ``repeats``)."""
    rng = np.random.default_rng(0)
    batches = {}
    for name, model in model_set.models.items():
        low = np.array([f.range[0] for f in model.card.features], dtype=np.float32)
        high = np.array([f.range[1] for f in model.card.features], dtype=np.float32)
        batches[name] = (low + rng.random((patients, len(low)), dtype=np.float32) * (high - low)).astype(
            np.float32
        )
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for name, model in model_set.models.items():
            model.predict_batch(batches[name])
        best = min(best, time.perf_counter() - start)
    return patients / best


def main() -> None:
    model_set = load_models()
    names = list(model_set.models)
    print(f"models: {', '.join(f'{n} {v}' for n, v in model_set.versions.items())}; 1 thread everywhere")
    print(sklearn_versions_text(model_set.versions))

    ort_all = percentiles(lambda: model_set.predict(PATIENT, VALUES), 5000)
    ort_one = {
        n: percentiles(partial(m.predict_batch, np.zeros((1, len(m.feature_names)), np.float32)), 5000)
        for n, m in model_set.models.items()
    }
    # the serving path: one complete row through the thread's bound buffers (RiskModel.score)
    bound = {}
    for n, m in model_set.models.items():
        prepared = m.prepare([s.median for s in m.card.features])
        assert not isinstance(prepared, RiskPrediction)
        bound[n] = percentiles(partial(m.score, prepared), 5000)
    sk = sklearn_single_row(model_set.versions)

    print(
        f"{'model':<10} {'ORT 1-row p50/p99 us':>22} {'sklearn 1-row p50/p99 us':>26} {'ratio p50':>10}"
        f" {'ORT bound row p50 us':>21} {'ratio p50':>10}"
    )
    for n in names:
        (o50, o99), (s50, s99), (b50, _) = ort_one[n], sk[n], bound[n]
        print(
            f"{n:<10} {o50:>10.1f} / {o99:>9.1f} {s50:>12.1f} / {s99:>11.1f} {s50 / o50:>9.1f}x"
            f" {b50:>21.1f} {s50 / b50:>9.1f}x"
        )
    print("(ORT 1-row: InferenceSession.run with a numpy feed; bound row: the serving path, RiskModel.score)")
    (a50, a99), (s50, s99) = ort_all, sk["all"]
    print(
        f"ModelSet.predict (all {len(names)} models: features, missing/imputation, ORT, explanation): "
        f"p50 {a50:.1f} us, p99 {a99:.1f} us"
    )
    print(f"sklearn predict_proba, all {len(names)} models one row each: p50 {s50:.1f} us, p99 {s99:.1f} us")
    print(f"ratio sklearn / ModelSet.predict at p50: {s50 / a50:.1f}x (target for assess(): >= 20x)")

    throughput = onnx_batch_throughput(model_set)
    print(
        f"batch scoring, all {len(names)} models, 100,000 patients: {throughput:,.0f} patients/s "
        f"(target >= 100,000: {throughput / 100_000:.1f}x the target)"
    )
