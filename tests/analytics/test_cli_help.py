"""Every analyst command's `--help` ends with worked examples of that command."""

from __future__ import annotations

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
