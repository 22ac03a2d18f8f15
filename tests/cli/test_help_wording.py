"""Every command's `--help` in one voice, as a first-day user reads them one after another: each
`--json` is "Print machine-readable JSON..." (`triage study ... | report ...` said "Print the
result as JSON instead of text", the other 31 commands "Print machine-readable JSON"), and every help
text - the command's and each option's - is shown whole (the help is Rich markup: a `[word]` in it
is taken for a style tag and dropped, as `[serial]` was from `devices ports`' example; only the
devices commands were checked, tests/devices/gateway/test_cli.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer.testing import CliRunner

import triage.cli as cli
from tests.cli.test_help_examples_shown import COMMANDS


def test_every_json_option_says_the_same() -> None:
    said = {
        " ".join(path): param.help
        for path, command in COMMANDS
        for param in command.params
        if "--json" in getattr(param, "opts", ())
    }
    assert len(said) >= 30 and "report imbalance" in said and "assess" in said
    other = {path: text for path, text in said.items() if not text.startswith("Print machine-readable JSON")}
    assert not other, f"--json said otherwise: {other}"


def _flat(text: str) -> str:
    return re.sub(r"[\s│]+", " ", text).strip()


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "triage" for p, _ in COMMANDS])
def test_every_help_text_is_shown_whole(
    path: tuple[str, ...], command: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "2000")  # no help text wrapped beside another column's
    result = CliRunner().invoke(cli.app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    shown = _flat(result.output)
    lost = [
        getattr(param, "name", "") or " ".join(path)
        for param in [command, *command.params]
        if (text := getattr(param, "help", None))
        and not getattr(param, "hidden", False)
        and _flat(text.split("\n\n")[0]) not in shown
    ]
    assert not lost, f"`triage {' '.join(path)} --help` does not show these help texts whole: {lost}"


#: a command's line in its group's list: two lines of an 100-column terminal at most
LISTED_AT_MOST = 200


def test_each_command_is_listed_in_a_line_or_two() -> None:
    """`triage referrals --help` listed verify-audit with its whole first paragraph (963 characters:
    14 lines of the table, every table it compares named), restore, close-encounter, tokens and
    backup with theirs: the list a user scans for a command was mostly two of them. A command says
    the rest in its own --help."""
    long = {
        " ".join(path): len(listed)
        for path, command in COMMANDS
        if path
        and len(listed := " ".join((command.short_help or (command.help or "").split("\n\n")[0]).split()))
        > LISTED_AT_MOST
    }
    assert not long, f"listed in more than {LISTED_AT_MOST} characters: {long}"
