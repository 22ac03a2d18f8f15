"""The package layering and the purity of the cores, checked on every test run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: " in result.stdout and " broken." in result.stdout
    assert "0 broken" in result.stdout


def test_devices_never_imports_triage() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "devices").rglob("*.py")
        if any(
            line.strip().startswith(("import triage", "from triage"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def test_model_cards_never_import_triage() -> None:
    """The engine serves the models' cards (triage.riskmodels_cards reads models.card), so they sit
    below it; models.card_markdown imported triage.patient for one sentence, a cycle no contract
    saw (the layers contract did not name models). Only models.training, the offline tool that
    writes the cards with the engine's units and policy, is above triage (pyproject.toml)."""
    offenders = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in (ROOT / "models").rglob("*.py")
        if "training" not in path.relative_to(ROOT / "models").parts
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(("import triage", "from triage"))
    ]
    assert offenders == []
