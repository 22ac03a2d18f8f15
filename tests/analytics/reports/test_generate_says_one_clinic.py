"""`triage report generate` says "1 never starts digital triage", not "1 never start"."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.cli import main


def test_one_clinic_that_never_starts_is_said_in_the_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["report", "generate", "--clinics", "2", "--rows", "200", "--out", str(tmp_path / "g"), "-q"])
        == 0
    )
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith("clinic exports under " + str(tmp_path / "g") + " (1 never starts digital triage)")
