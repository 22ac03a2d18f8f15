"""Pooled report at scale: 20 million SYNTHETIC referral rows -> full report.

1. Generates 200 clinic exports (20M encounters, Parquet) once into $TRIAGE_BENCH_REPORTS
   (default /tmp/triage-bench-reports; reused when present).
2. Runs `triage report imbalance` on DuckDB in a subprocess: wall time and peak RSS
   (targets: <= 60 s, <= 4 GiB).
3. Runs the same aggregation queries on DuckDB and on Spark local mode over the same pooled
   Parquet, in one process, and prints both times and the ratio (skipped with a reason if Spark
   or Java is missing).

Run: `python -m bench reports` (ROWS=... and CLINICS=... env vars for other sizes).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("ROWS", "20000000"))
CLINICS = int(os.environ.get("CLINICS", "200"))
TARGET_SECONDS, TARGET_GIB = 60.0, 4.0

_QUERIES_SCRIPT = r"""
import json, sys, time
from pathlib import Path
from analytics.reports.engines import DuckDBEngine, SparkEngine, export_pooled, spark_session
from analytics.reports.pooling import pool
from analytics.reports.queries import REPORT_QUERIES, replay_histogram
data, work = Path(sys.argv[1]), Path(sys.argv[2])
pooled = pool([data], work)
enc, fac, untiered = export_pooled(pooled.con, work / "pooled")
queries = dict(REPORT_QUERIES) | {"replay_histogram": replay_histogram("risk_cvd10")}
duck = DuckDBEngine(pooled.con)
t = time.perf_counter(); [duck.run(q) for q in queries.values()]; duck_s = time.perf_counter() - t
t = time.perf_counter(); session = spark_session("bench-reports"); start_s = time.perf_counter() - t
spark = SparkEngine(session, enc, fac, untiered)
t = time.perf_counter(); [spark.run(q) for q in queries.values()]; spark_s = time.perf_counter() - t
print(json.dumps({"duckdb_s": duck_s, "spark_s": spark_s, "spark_start_s": start_s}))
"""


def _dataset(folder: Path) -> Path:
    from analytics.reports.generate import GeneratorSpec, generate

    truth = folder / "SYNTHETIC-truth.json"
    if (
        truth.exists()
        and json.loads(truth.read_text())["rows"] == ROWS
        and json.loads(truth.read_text())["clinics"] == CLINICS
    ):
        print(f"data: reusing {folder} ({ROWS:,} rows, {CLINICS} clinics)")
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    generate(
        GeneratorSpec(clinics=CLINICS, rows=ROWS),
        folder,
        lambda d, n: print(f"  generated {d}/{n} clinics", end="\r"),
    )
    print(f"\ndata: generated {ROWS:,} rows in {time.perf_counter() - started:.0f} s into {folder}")
    return folder


def _run(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds and peak RSS (GiB) of a child process (and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        peak_kib = before  # ru_maxrss is a maximum over all children waited for so far
    return seconds, peak_kib / 1024 / 1024, done


def main() -> None:
    data = _dataset(Path(os.environ.get("TRIAGE_BENCH_REPORTS", "/tmp/triage-bench-reports")))
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        out = Path(tmp) / "report"
        command = [
            sys.executable,
            "-c",
            "import sys; from triage.cli import main; sys.exit(main(sys.argv[1:]))",
        ]
        args = ["report", "imbalance", "--input", str(data), "--out", str(out), "--json", "--quiet"]
        print(f"command: triage {' '.join(args)}")
        print(
            f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.1f} (other work slows the figures)"
        )
        seconds, gib, done = _run(command + args)
        if done.returncode != 0:
            print(f"FAILED ({done.returncode}): {done.stderr.strip()[-400:]}")
            return
        summary = json.loads(done.stdout)
        print(
            f"duckdb full report: {summary['rows_pooled']:,} rows in {seconds:.1f} s"
            f" ({summary['rows_pooled'] / seconds / 1e6:.2f} M rows/s), peak RSS {gib:.2f} GiB"
            f"  [targets <= {TARGET_SECONDS:.0f} s: {'met' if seconds <= TARGET_SECONDS else 'MISSED'},"
            f" <= {TARGET_GIB:.0f} GiB: {'met' if gib <= TARGET_GIB else 'MISSED'}]"
        )
        its, did = summary.get("h3_its") or {}, summary.get("h3_did") or {}
        truth = json.loads((data / "SYNTHETIC-truth.json").read_text())["true_effect_local_share"]

        def figure(estimate: dict[str, float | None], key: str) -> float:
            value = estimate.get(key)  # None when the pool is too small for the estimate
            return float("nan") if value is None else value

        print(
            f"key figures: local share {summary['local_share']:.3f}, referral rate {summary['referral_rate']:.3f},"
            f" H3 ITS {figure(its, 'effect'):+.3f} [{figure(its, 'ci_low'):+.3f}, {figure(its, 'ci_high'):+.3f}],"
            f" DiD {figure(did, 'effect'):+.3f} [{figure(did, 'ci_low'):+.3f}, {figure(did, 'ci_high'):+.3f}],"
            f" planted {truth:+.3f}"
        )
        work = Path(tmp) / "queries"
        print("same queries, DuckDB vs Spark local mode (pooled once, then every report query):")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _QUERIES_SCRIPT, str(data), str(work)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
            print(f"  spark comparison skipped: {reason}")
            return
        times = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  duckdb {times['duckdb_s']:.1f} s, spark {times['spark_s']:.1f} s"
            f" (+{times['spark_start_s']:.0f} s session start); spark/duckdb = {times['spark_s'] / times['duckdb_s']:.1f}x"
            f"  [subprocess total {time.perf_counter() - started:.0f} s]"
        )


if __name__ == "__main__":
    main()
