"""`triage report imbalance --engine spark --quiet` keeps stderr free of Spark's start-up notes: with
Spark's default logging it printed "Using Spark's default log4j profile", a hostname WARN and
"Setting default log level to "WARN"" (three lines of advice to call sc.setLogLevel), where --quiet
and --json promise no progress there. A fresh process, as the CLI runs: the logging is set when the
JVM starts. The JVM's own "WARNING: Using incubator modules" (Spark 4 asks for jdk.incubator.vector)
is printed by the java launcher, before any setting is read, and stays."""

from __future__ import annotations

import os
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


@pytest.mark.spark
def test_a_quiet_spark_report_prints_nothing_of_sparks_own_on_stderr(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    skip_without_spark()
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPARK_SUBMIT_ARGS", "SPARK_REMOTE")}
    env["PYSPARK_SUBMIT_ARGS"] = C1_ONLY
    report = ["report", "imbalance", "-i", str(generated[0]), "-o", str(tmp_path / "report")]
    run = subprocess.run(
        [sys.executable, "-m", "triage", *report, "--engine", "spark", "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert "[engine: spark]" in run.stdout
    assert [line for line in run.stderr.splitlines() if line.strip() and line != JVM_NOTE] == []
