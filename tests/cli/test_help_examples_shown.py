"""Every worked example a command's `--help` ends with is shown exactly as written: the help is Rich
markup, so `triage devices ports --help` showed `# by_id: a profile's  port` - the `[serial]` of its
comment read as a style tag and dropped. Each example line is looked for, as written in the command's
epilog, in the help a user sees (a wide terminal, so no line wraps)."""

from __future__ import annotations

from typing import Any

import pytest

import triage.cli as cli
from tests.unit.test_cli_help_examples import ROOT, _example_lines, _parsed


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(ROOT)


def test_the_walk_reaches_the_command_whose_example_lost_its_words() -> None:
    paths = [path for path, _ in COMMANDS]
    assert ("devices", "ports") in paths and ("referrals", "facilities", "load") in paths


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "triage" for p, _ in COMMANDS])
def test_each_example_line_is_shown_as_written(
    path: tuple[str, ...], command: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    epilog = command.epilog or ""
    assert "Examples:" in epilog, f"`triage {' '.join(path)} --help` shows no example"
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main([*path, "--help"]) == 0
    shown = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    written = [
        " ".join(line.split()) for line in epilog.split("Examples:", 1)[1].splitlines() if line.strip()
    ]
    lost = [line for line in written if line not in shown]
    assert not lost, f"`triage {' '.join(path)} --help` does not show these example lines as written: {lost}"


GROUPS = [(path, command) for path, command in COMMANDS if hasattr(command, "commands")]


@pytest.mark.parametrize(("path", "group"), GROUPS, ids=[" ".join(p) or "triage" for p, _ in GROUPS])
def test_a_group_help_ends_with_examples_of_its_commands(
    path: tuple[str, ...], group: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`triage --help` - what a first-day user types first - and `triage referrals --help` listed the
    commands with no command line to copy, where every command's own help ends with some."""
    monkeypatch.setenv("COLUMNS", "80")
    assert cli.main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Examples:" in text, f"`triage {' '.join(path)} --help` shows no example"
    ran = [command for line in _example_lines(text) for command in _parsed(line)]
    assert group in ran or not path, f"`triage {' '.join(path)} --help`: no example runs one of its commands"
