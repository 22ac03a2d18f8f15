"""Every `triage` command ends its --help with worked examples, and each example is a command line
that command accepts: a first-day user copies them (only `assess`, `study ...` and `report ...` had
any; `referrals restore --help` showed no command line to type)."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import typer
from typer._click.exceptions import UsageError  # Typer vendors its own Click

import triage.cli as cli


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not hasattr(command, "commands"):
        return [path]
    return [leaf for name, sub in command.commands.items() for leaf in _leaves(sub, (*path, name))]


ROOT = typer.main.get_command(cli.app)
LEAVES = _leaves(ROOT)


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main([*path, "--help"]) == 0
    return capsys.readouterr().out


def _example_lines(help_text: str) -> list[str]:
    """The command lines under 'Examples:', a trailing backslash joining the next line, each
    without its comment, from its `triage` on (`cat x | triage assess -`; `cd examples/study` is none)
    to a shell operator (`> summary.json`)."""
    body = help_text.split("Examples:", 1)[1]
    lines, pending = [], ""
    for raw in body.splitlines():
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        command = shlex.split(line, comments=True)
        if "triage" in command:
            words = command[command.index("triage") + 1 :]
            ends = [i for i, word in enumerate(words) if word in {">", ">>", "|", "&", "&&", ";"}]
            lines.append(shlex.join(words[: ends[0]] if ends else words))
    return lines


def _without_root_options(args: list[str]) -> list[str]:
    """`--config FILE serve --workers 1` -> `serve --workers 1` (the root's options come first)."""
    while args and args[0] in {"--config", "-c", "--debug"}:
        args = args[2:] if args[0] != "--debug" else args[1:]
    return args


def _parsed(line: str) -> list[Any]:
    """The groups and command an example line runs, its options and arguments parsed as that
    command parses them (a renamed option, an added argument: the example is stale)."""
    words = _without_root_options(shlex.split(line))
    command: Any = ROOT
    ran = []
    while hasattr(command, "commands"):
        assert words and words[0] in command.commands, f"`triage {line}`: no such command"
        command, words = command.commands[words[0]], words[1:]
        ran.append(command)
    try:
        command.make_context(line, words, resilient_parsing=False)
    except UsageError as exc:
        pytest.fail(f"`triage {line}`: {exc.format_message()}")
    return ran


def test_every_command_is_checked() -> None:
    assert ("assess",) in LEAVES and ("referrals", "restore") in LEAVES
    assert ("devices", "associations", "close-encounter") in LEAVES and len(LEAVES) >= 35


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_help_ends_with_examples_of_that_command(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = _help(path, capsys)
    assert "Examples:" in text, f"`triage {' '.join(path)} --help` shows no example"
    # a line may run another command first (report generate, then imbalance)
    ran = [command for line in _example_lines(text) for command in _parsed(line)]
    leaf: Any = ROOT
    for word in path:
        leaf = leaf.commands[word]
    assert leaf in ran, f"`triage {' '.join(path)} --help`: no example runs `triage {' '.join(path)}`"


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_no_example_line_wraps_on_an_80_column_terminal(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrapped line ('... --actor 'Nurse' / Li' ...') cannot be copied as it is shown."""
    monkeypatch.setenv("COLUMNS", "80")
    body = _help(path, capsys).split("Examples:", 1)[-1]
    shown = [line.strip() for line in body.splitlines() if line.strip()]
    for line in shown:
        first = line.split()[0]
        assert (
            first in {"triage", "cat", "cd", "#"} or line.startswith(("#", "--")) or first.startswith("-")
        ), f"`triage {' '.join(path)} --help`: an example line wrapped: {line!r}"
