"""Shared by the `triage assess` CLI tests: the examples folder and running the real entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
