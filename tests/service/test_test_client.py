"""The suite's in-process client, fastapi.testclient (starlette's TestClient), runs on the HTTP
client starlette asks for. On httpx alone starlette 1.10 warns at import that this is deprecated
(StarletteDeprecationWarning, in every test run's warnings summary): the test extra in
pyproject.toml installs httpx2, which it prefers. The suite's clients of a live server keep httpx."""

from __future__ import annotations

import subprocess
import sys

CODE = "import warnings; warnings.simplefilter('error'); import fastapi.testclient"


def test_the_test_client_imports_without_a_warning() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]
