"""The analyst commands' shared options read the same in every command that has them."""

from __future__ import annotations

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
        f"error: triage {command}: Invalid value for '--backend': 'julia' is not one of 'python', 'r'"
        f" (see `triage {command} --help`)\n"
    )
