"""The same queries on DuckDB and on Spark (local mode) give identical results and reports."""

from __future__ import annotations

import json
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
    # a directory listing one hospital without a tier, so that facilities_untiered has a row
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    directory = pd.read_parquet(export / "facilities.parquet")
    extra = directory.iloc[[-1]].assign(facility_id="SYN-H99", tier=None)
    pd.concat([directory, extra]).to_csv(tmp_path / "directory.csv", index=False)
    pooled = pool([generated[0]], tmp_path, facilities_file=tmp_path / "directory.csv")
    enc, fac, untiered = export_pooled(pooled.con, tmp_path / "pooled")
    engines: dict[str, Engine] = {
        "duckdb": DuckDBEngine(pooled.con),
        "spark": SparkEngine(spark, enc, fac, untiered),
    }
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
