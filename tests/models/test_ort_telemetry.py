"""onnxruntime's telemetry is off wherever the project imports it, not only under `triage`.

onnxruntime 1.29+ starts Microsoft telemetry on import (a device id and an event store under
~/.cache, events uploaded; where HOME cannot be written, a 'Failed to persist telemetry device
ID' warning on stderr). Only the `triage` command's main() turned it off, so `python -m bench`, the
training and any code importing triage.riskmodels still ran it. triage/ort.py is the one place."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ENTRIES = {
    "risk models": "import triage.riskmodels as r; r.load_models()",
    "risk prediction": "import triage.riskprediction",
    "benchmark": "import bench.riskmodels",
}


def _python(code: str, home: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"HOME": str(home)} | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("entry", [*ENTRIES, "training"])
def test_no_telemetry_without_the_cli(entry: str, tmp_path: Path) -> None:
    if entry == "training":
        if importlib.util.find_spec("sklearn") is None:
            pytest.skip("needs the training extra (make test)")
        code = "import models.training.pipeline"
    else:
        code = ENTRIES[entry]
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # HOME under a file: not even root can create it
    # what the import made of the unset variable (one given beforehand: test_a_setting_made_...)
    code += "; import os; print(os.environ['ORT_DISABLE_TELEMETRY'])"
    for home in (blocker / "home", tmp_path / "home"):
        result = _python(code, home)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert result.stdout == "1\n"
    assert not (tmp_path / "home").exists()  # nothing written under a writable HOME either


def test_a_setting_made_beforehand_is_kept(tmp_path: Path) -> None:
    """Only an unset variable is set: 0 given beforehand stays (the telemetry left on). That an unset
    one becomes 1 is checked in every process of test_no_telemetry_without_the_cli, each entry point
    printing it; a second process here (`import triage.ort`, the variable unset) checked it again."""
    code = "import os, triage.ort; print(os.environ['ORT_DISABLE_TELEMETRY'])"
    assert _python(code, tmp_path, ORT_DISABLE_TELEMETRY="0").stdout == "0\n"


def test_only_triage_ort_imports_onnxruntime() -> None:
    """One place: a module importing onnxruntime itself would start the telemetry when it is the
    first to be imported. Only a file whose text names onnxruntime can import it (an import names
    its module; NFKC as Python reads identifiers): the others, most of 8 MB, are not parsed."""
    importers = []
    for package in ("triage", "models", "devices", "referral", "analytics", "bench", "scripts", "tests"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "onnxruntime" not in (text if text.isascii() else unicodedata.normalize("NFKC", text)):
                continue
            for node in ast.walk(ast.parse(text)):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(name == "onnxruntime" or name.startswith("onnxruntime.") for name in names):
                    importers.append(str(path.relative_to(ROOT)))
    assert importers == ["triage/ort.py"]
