"""Durable referral log: SQLite storage, audit trail, exports (the bottom layer).

Importing this package arranges for sqlite-utils to be imported with pandas hidden. sqlite-utils
imports pandas (and pandas imports pyarrow) when it is first imported, only to type pandas
timestamps as TEXT columns, which this project never inserts. That cost each process about 100 MB
of memory and 0.5 s of start-up: the clinic service with its models loaded measured 213 MB before
and 118 MB after, and ``triage serve`` runs one such process per core. Code that needs pandas
imports it as usual afterwards. The service and the CLI import this package before anything else
that could import sqlite-utils.

sqlite-utils itself (0.4-0.9 s) is imported when a module first asks for it, not here: ``triage
--help`` and the commands that never open the log do not pay for it.
"""

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType


class _SqliteUtilsWithoutPandas(importlib.abc.MetaPathFinder):
    """Finds ``sqlite_utils`` as usual, and runs its import with pandas hidden."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "sqlite_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or "pandas" in sys.modules:
            return spec
        exec_module = spec.loader.exec_module

        def without_pandas(module: ModuleType) -> None:
            sys.modules["pandas"] = None  # type: ignore[assignment]  # importing pandas now raises ImportError
            try:
                exec_module(module)
            finally:
                del sys.modules["pandas"]

        spec.loader.exec_module = without_pandas  # type: ignore[method-assign]
        return spec


if "sqlite_utils" not in sys.modules and not any(
    isinstance(finder, _SqliteUtilsWithoutPandas) for finder in sys.meta_path
):
    sys.meta_path.insert(0, _SqliteUtilsWithoutPandas())
