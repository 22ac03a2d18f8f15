"""The docs' command lines and the CLI agree on options, both ways: an option a page shows that the
command does not take is a line that fails when copied, and an option `--help` lists that no page
names is one a reader never learns of (`triage referrals tokens` was in no list of
docs/referral-log.md's 'CLI', `triage devices simulate --baud` in no synopsis of
docs/device-gateway.md, `triage demo --data-dir` and `triage serve --log-level` nowhere in
docs/service.md's 'Running it').

What a page says of a command: each line of a code block that starts with `triage COMMAND` (with
the indented lines continuing it), each inline `triage COMMAND ...`, an options table (`| option |
meaning |`) under a code block of the command, and the paragraph right after a block of synopses
(`--db` defaults to ...)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_cli_help_examples import LEAVES, ROOT

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
ROOT_OPTIONS = {"--config", "--debug", "--version", "--help"}


def _command(words: list[str]) -> tuple[tuple[str, ...], Any]:
    """The longest command path ``words`` start with, and its command."""
    command, path = ROOT, ()
    for word in words:
        if not hasattr(command, "commands") or word not in command.commands:
            break
        command, path = command.commands[word], (*path, word)
    return path, command


def _options(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}


def _shown(command: Any) -> set[str]:
    """The options `--help` lists (each by its first long name)."""
    return {
        next(o for o in (*p.opts, *p.secondary_opts) if o.startswith("--"))
        for p in command.params
        if not getattr(p, "hidden", False) and any(o.startswith("--") for o in p.opts)
    } - {"--help"}


def _said() -> tuple[list[tuple[str, tuple[str, ...], str]], list[tuple[tuple[str, ...], str]]]:
    """(where, command path, text) for each command line or options table a page shows of a leaf
    command, and (command path, options) named in the paragraph after a block of its synopses."""
    said, after = [], []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        in_block, last = False, ()
        block_paths: list[tuple[str, ...]] = []
        for number, line in enumerate(lines, 1):
            where = f"{page.relative_to(REPO)}:{number}"
            if line.startswith("```"):
                in_block = not in_block
                if not in_block and block_paths:  # the paragraph after a block of synopses
                    paragraph = []
                    for following in lines[number:]:
                        if not following.strip() and paragraph:
                            break
                        paragraph.append(following)
                    for path in set(block_paths):
                        after.append((path, " ".join(re.findall(r"`(--[^`]*)`", " ".join(paragraph)))))
                block_paths = []
                continue
            if in_block and (found := re.match(r"(?:\$ )?triage ((?:--config \S+ )?.*)", line)):
                text = found[1]
                for more in lines[number:]:
                    if not more.startswith("   ") or more.lstrip().startswith(("triage", "$")):
                        break
                    text += " " + more.strip()
                path, _ = _command(re.sub(r"^--config \S+ ", "", text).replace("\\|", "|").split())
                if path in LEAVES:
                    said.append((where, path, text.split("  #")[0]))
                    last = path
                    block_paths.append(path)
                continue
            if not in_block and line.startswith("| option |"):
                rows = []
                for row in lines[number:]:
                    if not row.startswith("|"):
                        break
                    rows.append(row.split("|")[1])
                if last:
                    said.append((where, last, " ".join(rows)))
                continue
        prose = re.sub(r"(?ms)^```.*?^```", lambda block: "\n" * block[0].count("\n"), "\n".join(lines))
        for span in re.finditer(r"`triage ([^`]+)`", prose):  # a span may go on to the next line
            path, _ = _command(span[1].replace("\\|", "|").split())
            if path in LEAVES:
                said.append(
                    (f"{page.relative_to(REPO)}:{prose.count(chr(10), 0, span.start()) + 1}", path, span[1])
                )
    return said, after


SAID, AFTER = _said()


def test_the_pages_are_read() -> None:
    paths = {path for _, path, _ in SAID}
    assert ("referrals", "list") in paths and ("devices", "replay") in paths and ("assess",) in paths
    assert any("--policy" in text for _, path, text in SAID if path == ("assess",)), "the options table"


def test_no_page_shows_an_option_its_command_does_not_take() -> None:
    stale = []
    for where, path, text in SAID:
        _, command = _command(list(path))
        for option in set(OPTION.findall(text)) - _options(command) - ROOT_OPTIONS:
            stale.append(f"{where}: triage {' '.join(path)} {option}")
    assert not stale, "options the docs show that the command does not take:\n" + "\n".join(sorted(stale))


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_option_help_lists_is_named_in_the_docs(path: tuple[str, ...]) -> None:
    _, command = _command(list(path))
    named: defaultdict[tuple[str, ...], set[str]] = defaultdict(set)
    for said_of, text in [(said_of, text) for _, said_of, text in SAID] + AFTER:
        named[said_of] |= set(OPTION.findall(text))
    missing = sorted(_shown(command) - named[path])
    assert not missing, f"`triage {' '.join(path)} --help` lists options no page names: {missing}"
