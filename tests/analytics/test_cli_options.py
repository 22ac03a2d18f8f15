"""The analyst commands' shared options read the same in every command that has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from triage.cli import app, main

FITTING = ["study fit", "study rebuild"]


def _option(command: str, name: str) -> Any:
    """The click option ``name`` of ``command`` (typer ships its own click: no isinstance)."""
    found: Any = typer.main.get_command(app)
    for word in command.split():
        found = found.get_command(None, word)
    options = [p for p in found.params if name in getattr(p, "opts", [])]
    assert len(options) == 1, (command, name)
    return options[0]


def test_backend_has_one_help_text_and_one_choice_list() -> None:
    """`study fit` said "python (exact MLE here) or r (R's ergm, else glm, via rpy2)", `study
    rebuild` "Fitting backend: python or r"."""
    options = [_option(command, "--backend") for command in FITTING]
    assert len({o.help for o in options}) == 1
    assert all([str(c) for c in o.type.choices] == ["python", "r"] for o in options)
    assert all(o.default == "python" for o in options)


@pytest.mark.parametrize("command", FITTING)
def test_an_unknown_backend_gets_the_same_error_in_every_command(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """fit said "backend must be 'python' or 'r', not 'julia'", rebuild "--backend 'julia': choose
    python or r"; both now say what `report --engine` says of a bad engine."""
    args = [*command.split(), "--backend", "julia"]
    if command == "study fit":
        args += ["--nodes", "n.csv", "--edges", "e.csv", "--formula", "edges"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == (
        f'error: triage {command}: Invalid value for "--backend": "julia" is not one of "python", "r"'
        f" (see `triage {command} --help`)\n"
    )


ANALYST = ["study fit", "study rebuild", "report imbalance", "report simulate", "report generate"]


@pytest.mark.parametrize("name", ["--json", "--quiet"])
def test_json_and_quiet_have_one_help_text_in_every_analyst_command(name: str) -> None:
    """`--quiet` was 'No progress bar (shown on a terminal only).' in `study fit`, 'No progress
    messages.' elsewhere; `--json` had three wordings."""
    options = [_option(command, name) for command in ANALYST]
    assert len({o.help for o in options}) == 1, [o.help for o in options]
    assert {tuple(o.opts) for o in options} == ({("--json",)} if name == "--json" else {("--quiet", "-q")})


@pytest.mark.parametrize("command", [*FITTING, "report generate"])
def test_a_negative_seed_gets_the_same_error_in_every_command(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """fit said '--seed -1: must be at least 0', rebuild typer's "Invalid value for '--seed'"."""
    args = [*command.split(), "--seed", "-1", "--out", str(tmp_path / "out")]
    if command == "study fit":
        args = [
            *command.split(),
            "--seed",
            "-1",
            "--nodes",
            "n.csv",
            "--edges",
            "e.csv",
            "--formula",
            "edges",
        ]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        f'error: triage {command}: Invalid value for "--seed": -1 is not in the range x>=0'
        f" (see `triage {command} --help`)\n"
    )
    assert not (tmp_path / "out").exists()
