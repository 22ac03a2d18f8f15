"""Query engines: the same SQL (:mod:`analytics.reports.queries`) on DuckDB or Apache Spark.

Both adapters expose ``enc`` (pooled encounters + ``month``), ``fac`` (facility directory) and
``fac_untiered`` (the ids listed without a usable tier) and return pandas frames with normalised dtypes (integers int64, dates as ISO strings), so the
results of the two engines compare equal. Spark reads the pooled tables as Parquet; by default it
runs in local mode, and ``SPARK_REMOTE`` (Spark Connect, e.g. ``sc://host:15002``) or
``SPARK_MASTER`` (e.g. ``spark://host:7077``, ``yarn``) point it at a cluster.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

from analytics.reports.errors import EngineMissingError

#: pyspark 4's import-time notice under pandas 3 (see spark_session).
_PANDAS_NOTICE = "PySpark does not yet fully support pandas"


class Engine(Protocol):
    name: str

    def run(self, sql: str) -> pd.DataFrame: ...


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine-independent dtypes: nullable int64 for integers, float64, object strings."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("boolean")
        elif pd.api.types.is_integer_dtype(series):
            out[col] = series.astype("Int64")
        elif pd.api.types.is_float_dtype(series):
            out[col] = series.astype("float64")
        elif series.dtype == object:
            values = series.dropna()
            if len(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                as_float = pd.to_numeric(series)
                whole = values.map(lambda v: float(v).is_integer()).all()
                out[col] = as_float.astype("Int64") if whole else as_float.astype("float64")
            else:
                out[col] = series.astype(object).where(series.notna(), None)
    return out.reset_index(drop=True)


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        con.execute(
            "CREATE OR REPLACE TEMP VIEW enc AS SELECT *, strftime(encounter_day, '%Y-%m') AS month FROM encounters"
        )
        con.execute("CREATE OR REPLACE TEMP VIEW fac AS SELECT * FROM facilities")
        con.execute("CREATE OR REPLACE TEMP VIEW fac_untiered AS SELECT * FROM facilities_untiered")

    def run(self, sql: str) -> pd.DataFrame:
        return normalise(self.con.execute(sql).df())


def export_pooled(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[Path, Path, Path]:
    """Write the pooled relations as Parquet (what Spark, or a cluster, reads): the encounters, the
    facility directory and the ids listed without a usable tier."""
    folder.mkdir(parents=True, exist_ok=True)
    enc, fac = folder / "encounters.parquet", folder / "facilities.parquet"
    untiered = folder / "facilities_untiered.parquet"
    con.execute(f"COPY (SELECT * FROM encounters) TO '{enc}' (FORMAT parquet, COMPRESSION zstd)")
    con.execute(f"COPY (SELECT * FROM facilities) TO '{fac}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM facilities_untiered) TO '{untiered}' (FORMAT parquet)")
    return enc, fac, untiered


#: Log4j 2 settings of the local Spark (errors only), shipped with the package.
SPARK_LOG_SETTINGS = Path(__file__).resolve().parents[1] / "data" / "spark-log4j2.properties"


def spark_session(app_name: str = "clinic-triage-report") -> Any:
    """A SparkSession: Spark Connect if SPARK_REMOTE is set, else SPARK_MASTER or local[2]."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineMissingError(
            "--engine spark needs pyspark: `.venv/bin/pip install pyspark` (or `pip install -e '.[spark]'`)"
        ) from exc
    with warnings.catch_warnings():
        # pyspark imports pyspark.testing.utils when it first hands a value to the JVM, and that
        # module warns, once, on stderr, that pyspark does not fully support pandas 3. This engine
        # does not use pyspark's pandas support (SparkEngine.run takes the rows as Arrow), so the
        # notice is not the analyst's: imported here, with that one warning ignored, it says nothing
        warnings.filterwarnings("ignore", _PANDAS_NOTICE, FutureWarning)
        with contextlib.suppress(ImportError):
            import pyspark.testing.utils  # noqa: F401
    remote = os.environ.get("SPARK_REMOTE")
    if not remote and not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise EngineMissingError(
            "--engine spark needs Java 17+ for local mode: install openjdk-17-jre-headless (`make test` as root"
            " does) or set SPARK_REMOTE=sc://HOST:15002 to use a Spark Connect cluster"
        )
    builder: Any = SparkSession.builder.appName(app_name)
    if remote:
        builder = builder.remote(remote)
    else:
        builder = (
            builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))
            .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
            # errors only: Spark's default logging printed its start-up notes on stderr, under
            # --quiet and --json too (setLogLevel below comes after them)
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={SPARK_LOG_SETTINGS}")
        )
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    try:
        session = builder.getOrCreate()
        if not remote:
            session.sparkContext.setLogLevel("ERROR")
        return session
    except Exception as exc:  # JVM start failures arrive as plain exceptions
        raise EngineMissingError(
            f"Spark did not start: {str(exc).splitlines()[0] if str(exc) else exc!r}"
        ) from exc


class SparkEngine:
    name = "spark"

    def __init__(
        self, spark: Any, encounters: Path | str, facilities: Path | str, untiered: Path | str
    ) -> None:
        from pyspark.sql import functions as F

        self.spark = spark
        enc = spark.read.parquet(str(encounters))
        enc.withColumn("month", F.date_format("encounter_day", "yyyy-MM")).createOrReplaceTempView("enc")
        spark.read.parquet(str(facilities)).createOrReplaceTempView("fac")
        spark.read.parquet(str(untiered)).createOrReplaceTempView("fac_untiered")

    def run(self, sql: str) -> pd.DataFrame:
        result = self.spark.sql(sql)
        # pyspark 4 hands the rows over as Arrow and pyarrow makes the frame: pyspark's own pandas
        # conversion (toPandas) warns under pandas 3 that it does not support it and passes a
        # deprecated copy= to astype; pyspark 3.5 has no toArrow
        if hasattr(result, "toArrow"):
            return normalise(result.toArrow().to_pandas())
        return normalise(result.toPandas())
