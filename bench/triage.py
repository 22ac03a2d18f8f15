"""The triage engine benchmark (issue 2 section 6): ``assess()`` against the scikit-learn path.

    python -m bench triage            (or: make bench)

Printed in one run, with one thread everywhere (OMP/OpenBLAS via the environment and
``threadpool_limits(1)``; onnxruntime sessions use ``intra_op_num_threads=1`` in
``triage.riskmodels``):

1. ``assess()`` latency p50/p99 with every shipped model loaded, for a realistic patient (full
   vitals, glucose, lipids, creatinine, dipstick) - and, to show where the time goes, the same
   call with ``models=None`` and ``ModelSet.predict`` alone.
2. The same models' scikit-learn single-row ``predict_proba`` latency (estimators rebuilt
   deterministically by ``models.training.pipeline.fit_estimator``; all models one row each, the
   work ``assess()`` does with ONNX), and the ratio sklearn / ``assess()``. Target >= 20x. Next to
   it, labelled as such, the model path alone: sklearn / ``ModelSet.predict``.
3. Batch scoring throughput with onnxruntime (all models over 100,000 patients). Target >= 100,000
   patients/s.

Targets from the issue: ``assess()`` p50 <= 0.3 ms; >= 20x faster than sklearn single-row;
batch >= 100,000 patients/s. The output says which are met.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from triage.assess import assess  # noqa: E402
from triage.observation import Observation  # noqa: E402
from triage.patient import PatientContext  # noqa: E402
from triage.policy import load_policy  # noqa: E402

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SEEN = NOW - timedelta(minutes=5)

PATIENT = PatientContext(
    patient_id="bench-fictional-01",
    age=61,
    sex="female",
    diabetes=False,
    hypertension=True,
    on_antihypertensives=True,
    current_smoker=True,
    waist_cm=88,
    bmi=27.4,
    region_north=True,
    urban=False,
    family_history_ascvd=False,
    family_history_diabetes="second_degree",
)

READINGS: list[tuple[str, float | str, str | None]] = [
    ("sbp", 152, "mmHg"),
    ("dbp", 91, "mmHg"),
    ("heart_rate", 78, "/min"),
    ("resp_rate", 18, "/min"),
    ("spo2", 96, "%"),
    ("temperature", 36.9, "Cel"),
    ("consciousness", "A", None),
    ("supplemental_o2", "air", None),
    ("glucose_random", 7.4, "mmol/L"),
    ("total_cholesterol", 6.2, "mmol/L"),
    ("hdl_cholesterol", 1.1, "mmol/L"),
    ("creatinine", 104, "umol/L"),
    ("hemoglobin", 128, "g/L"),
    ("urine_sg", 1.015, None),
    ("urine_protein", "1+", None),
]


def observations() -> list[Observation]:
    return [
        Observation.create(code, value, unit, observed_at=SEEN, device="bench")
        for code, value, unit in READINGS
    ]


def percentiles(fn: Callable[[], object], calls: int) -> tuple[float, float]:
    """(p50, p99) wall-clock microseconds over ``calls`` consecutive calls, after a warm-up."""
    for _ in range(min(300, calls)):
        fn()
    samples = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter_ns()
        fn()
        samples[i] = time.perf_counter_ns() - start
    p50, p99 = np.percentile(samples, [50, 99]) / 1000.0
    return float(p50), float(p99)


def cpu_p50(fn: Callable[[], object], calls: int) -> float:
    """Median CPU time of this thread per call, microseconds: stable when the shared host is busy."""
    samples = np.empty(calls)
    for i in range(calls):
        start = time.thread_time_ns()
        fn()
        samples[i] = time.thread_time_ns() - start
    return float(np.percentile(samples, 50)) / 1000.0


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    from threadpoolctl import threadpool_limits

    from bench.riskmodels import onnx_batch_throughput, sklearn_single_row
    from triage.riskmodels import load_models

    policy = load_policy()
    obs = observations()
    models = load_models()
    names = list(models.versions)
    print(
        f"models: {', '.join(f'{n} {v}' for n, v in models.versions.items())}; policy {policy.version}; 1 thread"
    )
    print(f"patient: fictional, {len(obs)} readings (vitals, glucose, lipids, creatinine, dipstick)")

    with threadpool_limits(1):
        check = assess(PATIENT, obs, policy, models=models, now=NOW)
        scored = sum(1 for m in check.models if m.probability is not None)
        print(f"assess() -> {check.disposition.value}; {scored}/{len(check.models)} models scored")

        full = percentiles(lambda: assess(PATIENT, obs, policy, models=models, now=NOW), 5000)
        rules_only = percentiles(lambda: assess(PATIENT, obs, policy, now=NOW), 5000)
        values: dict[str, float | str] = {
            o.code: (o.numeric if o.numeric is not None else str(o.value)) for o in check.observations_used
        }
        model_part = percentiles(lambda: models.predict(PATIENT, values), 5000)
        cpu_full = cpu_p50(lambda: assess(PATIENT, obs, policy, models=models, now=NOW), 3000)
    sk = sklearn_single_row(names)
    load = os.getloadavg()[0]

    (a50, a99), (r50, r99), (m50, m99), (s50, s99) = full, rules_only, model_part, sk["all"]
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs (wall-clock figures grow with it)")
    print(f"assess() with all {len(names)} models:          p50 {a50:8.1f} us   p99 {a99:8.1f} us")
    print(f"  same, CPU time of the calling thread:  p50 {cpu_full:8.1f} us")
    print(f"  of which scores + rules (models=None): p50 {r50:8.1f} us   p99 {r99:8.1f} us")
    print(f"  of which ModelSet.predict alone:       p50 {m50:8.1f} us   p99 {m99:8.1f} us")
    print(f"sklearn predict_proba, {len(names)} models x 1 row:  p50 {s50:8.1f} us   p99 {s99:8.1f} us")
    for n in names:
        print(f"  sklearn {n:<10} 1 row: p50 {sk[n][0]:8.1f} us   p99 {sk[n][1]:8.1f} us")
    ratio = s50 / a50
    throughput = onnx_batch_throughput(models)
    print()
    print(
        f"assess() p50 {a50 / 1000:.3f} ms (CPU {cpu_full / 1000:.3f} ms) vs target <= 0.3 ms: {_verdict(a50 <= 300)}"
    )
    print(f"sklearn single-row / assess() at p50: {ratio:.1f}x vs target >= 20x: {_verdict(ratio >= 20)}")
    print(
        f"  model path only (not the target's measure): sklearn {len(names)} models x 1 row / "
        f"ModelSet.predict at p50: {s50 / m50:.1f}x"
    )
    print(
        f"ONNX batch scoring, all {len(names)} models, 100,000 patients: {throughput:,.0f} patients/s "
        f"vs target >= 100,000: {_verdict(throughput >= 100_000)} ({throughput / 100_000:.1f}x)"
    )


if __name__ == "__main__":
    main()
