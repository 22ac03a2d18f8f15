"""Durable referral log: SQLite storage, audit trail, exports (the bottom layer).

Importing this package imports sqlite-utils with pandas hidden. sqlite-utils imports pandas (and
pandas imports pyarrow) when it is first imported, only to type pandas timestamps as TEXT columns,
which this project never inserts. That cost each process about 100 MB of memory and 0.5 s of
start-up: the clinic service with its models loaded measured 213 MB before and 118 MB after, and
``triage serve`` runs one such process per core. Code that needs pandas imports it as usual
afterwards. The service and the CLI import this package before anything else that could import
sqlite-utils.
"""

import importlib
import sys


def _import_sqlite_utils_without_pandas() -> None:
    if "sqlite_utils" in sys.modules or "pandas" in sys.modules:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # importing pandas now raises ImportError
    try:
        importlib.import_module("sqlite_utils")
    finally:
        del sys.modules["pandas"]


_import_sqlite_utils_without_pandas()
