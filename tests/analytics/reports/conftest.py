"""Shared fixtures: one small SYNTHETIC multi-clinic data set, one plain imbalance report of it, one
Spark session."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.generate import GeneratorSpec, generate
from referral import facilities
from referral.schema import connect
from tests.referral.conftest import visit

SPEC = GeneratorSpec(clinics=12, rows=36_000, months=24, seed=12)
"""Fixed seed: a 95% CI misses the truth in about 1 of 20 seeds (seed 11 does, for the ITS)."""


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("generated") / "exports"
    truth = generate(SPEC, out)
    return out, truth


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """The figures a test draws are closed after it (matplotlib warned of more than 20 open);
    nothing to close, and matplotlib not imported, for a test that draws none."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def bare_table(
    generated: tuple[Path, dict[str, Any]],
    folder: Path,
    rows: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame,
) -> Path:
    """The first generated clinic's encounters (``rows`` of them) as a bare table in ``folder``:
    no manifest, no facilities table beside it (provenance unknown, no directory)."""
    clinic = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    bare = folder / "encounters.parquet"
    rows(pd.read_parquet(clinic / "encounters.parquet")).to_parquet(bare)
    return bare


def clinic_log(path: Path, patients: int) -> Path:
    """A real referral log of clinic ZJ-C01 (the demo facilities) with ``patients`` assessed visits."""
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    for i in range(patients):
        visit(db, mrn=f"MRN-{i}")
    db.close()
    return path


def without_risk_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """NEWS2 and red flags alone: no risk model's probability pooled."""
    return frame.drop(columns=[c for c in frame.columns if c.startswith("risk_")])


@pytest.fixture
def exported_twice(generated: tuple[Path, dict[str, Any]], tmp_path: Path) -> tuple[Path, Path]:
    """The first generated clinic's export and a copy of it: a clinic exported twice, which
    pooling rejects (the earlier export) - something for --strict to stop on."""
    first = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    twice = tmp_path / "twice"
    shutil.copytree(first, twice)
    return first, twice


@pytest.fixture(scope="session")
def imbalance_run(
    generated: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, Path, str, str]:
    """One plain `triage report imbalance -i <generated> -o <out>` (its exit code, out folder,
    stdout and stderr), shared by the tests that only read what it printed and wrote: each run
    pools, queries and draws for seconds. Runs with other inputs or options keep their own."""
    from triage.cli import main

    out = tmp_path_factory.mktemp("imbalance") / "report"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["report", "imbalance", "--input", str(generated[0]), "--out", str(out)])
    return code, out, stdout.getvalue(), stderr.getvalue()


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """`triage ARGV` in this process: its exit code and what it printed on stdout and on stderr (not
    a terminal, as a redirected run's). Where the test reads what a report command says and wrote,
    not how the process starts or ends, this spares a process and its imports (a second or more)."""
    from triage.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    return code, stdout.getvalue(), stderr.getvalue()


def page_section(run: tuple[int, Path, str, str], heading: str) -> str:
    """The part of a successful ``imbalance_run``'s report.html from the ``<h2>`` that starts with
    ``heading`` to the next one."""
    code, out, _, _ = run
    assert code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index(f"<h2>{heading}") :]
    return section[: section.index("<h2>", 5)]


#: The Spark driver JVM of the tests compiles with C1 only (no C2 tier): a test session runs a few
#: dozen short queries, never long enough for C2 to pay back what it compiles, so the tiered default
#: spent ~28 s of JVM CPU on JVM start, the first query and the report's queries against ~16 s
#: (half the wall time on a loaded 2-core machine). Results are the same; only the JIT differs.
#: ``PYSPARK_SUBMIT_ARGS`` reaches every JVM pyspark starts, the fresh processes' too; one set by
#: the caller wins.
SPARK_SUBMIT_ARGS = "--driver-java-options -XX:TieredStopAtLevel=1 pyspark-shell"


def skip_without_spark() -> None:
    """Skip the test, saying how to enable it, where Spark's local mode cannot run."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip(
            "pyspark is not installed: `.venv/bin/pip install -e '.[test]'` (or `make test`) installs it"
        )
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip(
            "no Java for Spark local mode: run `make test` as root to install openjdk-17-jre-headless"
        )


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    skip_without_spark()
    from analytics.reports.engines import spark_session

    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYSPARK_SUBMIT_ARGS", os.environ.get("PYSPARK_SUBMIT_ARGS", SPARK_SUBMIT_ARGS))
        session = spark_session("clinic-triage-tests")
        yield session
        session.stop()
