"""An output folder named on the command line that cannot be created is one line naming the
option, before any work is done (each command below ended in a traceback when it wrote)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ports import free_port
from triage.cli import main


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["report", "imbalance", "-q", "-i", "{inputs}", "-o", "{out}"], "--out"),
        (["report", "simulate", "-q", "-i", "{inputs}", "-o", "{out}"], "--out"),
        (["report", "generate", "-o", "{out}", "--rows", "100", "--clinics", "2", "--months", "8"], "--out"),
        (["study", "rebuild", "-q", "-o", "{out}"], "--out"),
        (["models", "train", "cvd10", "--out", "{out}"], "--out"),
        (["demo", "--data-dir", "{out}", "--seconds", "1", "--port", "{port}"], "--data-dir"),
    ],
)
def test_an_output_folder_under_a_file_is_one_line_naming_the_option(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = blocker / "out"
    # an input folder that exists (an empty one): the output folder is refused before any input is read
    inputs = tmp_path / "exports"
    inputs.mkdir()
    values = {"out": str(out), "inputs": str(inputs), "port": str(free_port())}
    code = main([arg.format(**values) for arg in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: {option} {out}: cannot create the folder (Not a directory); give a folder that can be written\n"
    )
    assert not out.exists()
