"""Every analyst command's `--help` ends with worked examples of that command."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from triage.cli import main


@pytest.mark.parametrize(
    "command",
    ["report imbalance", "report simulate", "report generate", "study fit", "study rebuild"],
)
def test_help_shows_examples_of_the_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command.split(), "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "Examples:" in help_text
    examples = help_text.split("Examples:", 1)[1]
    assert f"triage {command} --" in examples
    # one command line a line at the default width of 80 columns: nothing wrapped mid-command
    lines = [line.strip() for line in examples.splitlines() if line.strip()]
    assert all(line.startswith(("triage ", "--", "cd ")) for line in lines), lines


def test_study_fit_examples_run_on_the_shipped_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every example in `triage study fit --help` runs after its `cd examples/study` (one used a
    geo.csv the folder does not have: 'dyadic covariate file geo.csv does not exist')."""
    assert main(["study", "fit", "--help"]) == 0
    text = capsys.readouterr().out.split("Examples:", 1)[1]
    commands = " ".join(line.split("#", 1)[0].strip() for line in text.splitlines()).split("triage ")
    assert commands[0].strip() == "cd examples/study"
    monkeypatch.chdir(Path(__file__).resolve().parents[2] / "examples" / "study")
    for command in commands[1:]:
        args = shlex.split(command.replace("\\", " "))
        assert main(args) == 0, (command, capsys.readouterr().err)
        assert "Estimate" in capsys.readouterr().out or "--json" in args


def test_study_fit_help_says_edges_columns_are_found_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    """--edges said 'sender, receiver [, weight ...] columns', as if read by position; the
    columns are found by their names (source/target or from/to) wherever they stand."""
    assert main(["study", "fit", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "sender, receiver [, weight ...]" not in text
    assert "the columns named source and target (or from and to), found by name in any place" in text
