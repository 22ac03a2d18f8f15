"""`triage report imbalance --engine spark --quiet` keeps stderr free of Spark's start-up notes: with
Spark's default logging it printed "Using Spark's default log4j profile", a hostname WARN and
"Setting default log level to "WARN"" (three lines of advice to call sc.setLogLevel), where --quiet
and --json promise no progress there. A fresh process, as the CLI runs: the logging is set when the
JVM starts. The JVM's own "WARNING: Using incubator modules" (Spark 4 asks for jdk.incubator.vector)
is printed by the java launcher, before any setting is read, and stays.

The same run shows that `--engine spark` prints no Python warning: it ran with Python's warnings
shown (``-W default``) and the report's queries come through SparkEngine as every Spark query does.
One run for both: each starts Spark's driver JVM in a fresh process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.reports.conftest import skip_without_spark

JVM_NOTE = "WARNING: Using incubator modules: jdk.incubator.vector"

#: The fresh process's driver JVM compiles with C1 only, as the tests' session (conftest
#: ``SPARK_SUBMIT_ARGS``) does: the tiered default spent ~45 s of CPU on this report against ~31 s,
#: the one test's largest cost. Given as ``spark.driver.defaultJavaOptions``, which Spark puts before
#: ``spark.driver.extraJavaOptions`` and leaves it alone: the session's ``--driver-java-options`` is
#: that extra setting, and would replace the product's own (its log4j settings, what this test
#: checks) - set so, the three start-up notes come back.
C1_ONLY = "--conf spark.driver.defaultJavaOptions=-XX:TieredStopAtLevel=1 pyspark-shell"


@pytest.fixture(scope="module")
def quiet_spark_report(
    generated: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """One `triage report imbalance --engine spark --quiet` in a fresh process, Python's warnings
    shown as ``-W default`` shows them, for the tests that read what it printed."""
    skip_without_spark()
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPARK_SUBMIT_ARGS", "SPARK_REMOTE")}
    env["PYSPARK_SUBMIT_ARGS"] = C1_ONLY
    out = tmp_path_factory.mktemp("quiet_spark") / "report"
    report = ["report", "imbalance", "-i", str(generated[0]), "-o", str(out)]
    return subprocess.run(
        [sys.executable, "-W", "default", "-m", "triage", *report, "--engine", "spark", "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )


@pytest.mark.spark
def test_a_quiet_spark_report_prints_nothing_of_sparks_own_on_stderr(
    quiet_spark_report: subprocess.CompletedProcess[str],
) -> None:
    run = quiet_spark_report
    assert run.returncode == 0, run.stderr
    assert "[engine: spark]" in run.stdout
    assert [line for line in run.stderr.splitlines() if line.strip() and line != JVM_NOTE] == []


@pytest.mark.spark
def test_spark_queries_show_the_analyst_no_python_warning(
    quiet_spark_report: subprocess.CompletedProcess[str],
) -> None:
    """`--engine spark` printed pyspark's FutureWarning "PySpark does not yet fully support pandas
    >= 3.0.0" on stderr, and each query's toPandas() a Pandas4Warning (a deprecated copy= keyword):
    the rows now come as Arrow, and the import-time notice is not shown. A fresh process (warnings
    as Python shows them by default, as the CLI runs), since the notice comes once per process."""
    run = quiet_spark_report
    assert run.returncode == 0, run.stderr
    assert "[engine: spark]" in run.stdout  # the report's queries ran on Spark
    assert not re.findall(r"^.*\w*Warning: .*$", run.stderr, flags=re.MULTILINE)
