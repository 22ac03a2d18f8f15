"""`triage report simulate --strict` exits 2 when anything was rejected, as `imbalance --strict` does:
simulate had no such option, so a script replaying pooled exports could not stop on a clinic
exported twice or a bad row (it was refused as an unknown option, exit 2 whatever the data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


def test_simulate_strict_exits_2_after_printing_the_rejections(
    exported_twice: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, twice = exported_twice
    args = ["report", "simulate", "-i", str(first), "-t", "5:0.20", "-o", str(tmp_path / "sim"), "-q"]
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args, "--strict"]) == 0  # nothing rejected: nothing to stop on
    capsys.readouterr()
    assert main([*args, "-i", str(twice), "--strict"]) == 2
    printed = capsys.readouterr().out
    assert "rejected (1):" in printed and "exported twice" in printed  # said, then the exit code
    assert (tmp_path / "sim" / "tables" / "policy_curve.csv").exists()
    assert main([*args, "-i", str(twice), "--strict", "--json"]) == 2
    assert "exported twice" in json.loads(capsys.readouterr().out)["rejections"][0]["reason"]
