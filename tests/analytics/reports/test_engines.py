"""The same queries on DuckDB and on Spark (local mode) give identical results and reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.reports.engines import DuckDBEngine, Engine, SparkEngine, export_pooled
from analytics.reports.pooling import pool
from analytics.reports.queries import REPORT_QUERIES, replay_histogram
from analytics.reports.report import assemble


def test_duckdb_and_spark_agree_on_every_query_and_the_report(
    generated: tuple[Path, dict[str, Any]], spark: Any, tmp_path: Path
) -> None:
    pooled = pool([generated[0]], tmp_path)
    enc, fac = export_pooled(pooled.con, tmp_path / "pooled")
    engines: dict[str, Engine] = {"duckdb": DuckDBEngine(pooled.con), "spark": SparkEngine(spark, enc, fac)}
    queries = dict(REPORT_QUERIES) | {"replay_histogram": replay_histogram("risk_cvd10")}
    results = {name: {q: engine.run(sql) for q, sql in queries.items()} for name, engine in engines.items()}
    for q in queries:
        a, b = results["duckdb"][q], results["spark"][q]
        assert len(a) > 0, q
        assert list(a.dtypes) == list(b.dtypes), q
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, obj=q)
    built = {
        name: assemble(res, res["replay_histogram"], pooled, name, "risk_cvd10", None, lambda _m: None)
        for name, res in results.items()
    }

    def figures(name: str) -> str:
        summary = {k: v for k, v in built[name].summary.items() if k != "engine"}
        return json.dumps(summary, sort_keys=True, default=lambda v: round(float(v), 9))

    assert json.loads(figures("duckdb")) == json.loads(figures("spark"))
    for table in built["duckdb"].tables:
        pd.testing.assert_frame_equal(built["duckdb"].tables[table], built["spark"].tables[table], obj=table)


SPARK_SCRIPT = """
import sys
from pathlib import Path
from analytics.reports.engines import SparkEngine, export_pooled, spark_session
from analytics.reports.pooling import pool

pooled = pool([Path(sys.argv[1])], Path(sys.argv[2]))
enc, fac = export_pooled(pooled.con, Path(sys.argv[2]) / "pooled")
engine = SparkEngine(spark_session("warnings-test"), enc, fac)
print(engine.run("SELECT month, COUNT(*) AS n, MIN(encounter_day) AS first FROM enc GROUP BY 1 ORDER BY 1").shape)
"""


def test_spark_queries_show_the_analyst_no_python_warning(
    generated: tuple[Path, dict[str, Any]], spark: Any, tmp_path: Path
) -> None:
    """`--engine spark` printed pyspark's FutureWarning "PySpark does not yet fully support pandas
    >= 3.0.0" on stderr, and each query's toPandas() a Pandas4Warning (a deprecated copy= keyword):
    the rows now come as Arrow, and the import-time notice is not shown. A fresh process (warnings
    as Python shows them by default, as the CLI runs), since the notice comes once per process."""
    run = subprocess.run(
        [sys.executable, "-W", "default", "-c", SPARK_SCRIPT, str(generated[0]), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(24, 3)"
    assert not re.findall(r"^.*\w*Warning: .*$", run.stderr, flags=re.MULTILINE)
