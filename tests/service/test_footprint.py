"""The clinic service's processes stay lean: no pandas or pyarrow (about 100 MB each) unless used.

sqlite-utils imports pandas when it is first imported; ``referral/__init__.py`` hides it for that
import. This test fails when a module on the service's start-up path imports one of them again.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "pyarrow", "scipy", "sklearn", "statsmodels", "matplotlib")


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_cli_and_a_service_worker_import_no_heavy_library() -> None:
    # `triage serve` imports the whole CLI; a worker process starts from triage.service.workers.
    assert _imported_after("import triage.cli") == []
    assert _imported_after("import triage.service.workers") == []


def test_a_created_app_with_its_models_imports_no_heavy_library(tmp_path: object) -> None:
    code = (
        "from triage.service import create_app\n"
        "from triage.service.wiring import load_engine\n"
        "from triage.settings import Settings\n"
        f"app = create_app(Settings(data_dir=r'{tmp_path}', database={{'path': r'{tmp_path}/log.db'}}))\n"
        "load_engine(app.state.runtime)\n"
    )
    assert _imported_after(code) == []


def test_sqlite_utils_still_works_and_pandas_still_imports_afterwards() -> None:
    code = (
        "import referral\n"
        "from sqlite_utils import Database\n"
        "db = Database(memory=True)\n"
        "db['t'].insert({'a': 1})\n"
        "assert db.execute('select a from t').fetchone() == (1,)\n"
        "import pandas\n"
        "assert pandas.DataFrame({'a': [1]}).shape == (1, 1)\n"
    )
    assert "pandas" in _imported_after(code)
