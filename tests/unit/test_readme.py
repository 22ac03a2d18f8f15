"""README.md is the first page a clinic's IT person reads: its command table must list every command."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

import triage.cli as cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _leaves(cmd: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    if not hasattr(cmd, "commands"):
        return [path]
    return [leaf for name, sub in cmd.commands.items() for leaf in _leaves(sub, (*path, name))]


def _listed(usage: str) -> list[tuple[str, ...]]:
    """`models list \\| show` -> [("models", "list"), ("models", "show")]; `serve [--workers N]` ->
    [("serve",)]: the words before options and arguments, the last one alternated by `|`."""
    words = []
    for word in usage.replace("\\|", "|").split():
        if word.startswith(("-", "[")) or word.isupper() or "." in word:
            break
        words.append(word)
    text = " ".join(words)
    if "|" not in text:
        return [tuple(words)]
    head, *rest = (part.split() for part in text.split("|"))
    prefix = tuple(head[:-1])
    return [(*prefix, head[-1]), *((*prefix, *part) for part in rest)]


def test_the_readme_command_table_lists_every_command() -> None:
    """Commands keep being added (`referrals backup`, `referrals facilities`): each must have its row,
    or its group's, in the table a new clinic IT person reads first."""
    table = README.read_text(encoding="utf-8").split("## What you can do", 1)[1].split("\n## ", 1)[0]
    listed = {
        entry
        for cell in re.findall(r"^\| (.+?) \| ", table, flags=re.MULTILINE)
        for usage in re.findall(r"`triage ([^`]+)`", cell)
        for entry in _listed(usage)
    }
    assert ("models", "train") in listed and ("serve",) in listed and ("assess",) in listed
    missing = [
        " ".join(leaf)
        for leaf in _leaves(typer.main.get_command(cli.app), ())
        if not any(leaf[: len(entry)] == entry for entry in listed)
    ]
    assert not missing, f"README.md's command table does not list: {missing}"


def test_the_quick_start_is_two_commands_and_names_what_make_needs_first() -> None:
    """The quick start is exactly `make run` and `make test` (the set-up contract); what a fresh
    Debian 12 lacks before them - `make` itself - is said beside it, not added as a third command.
    The Makefile bootstraps `python3.11-venv` itself (tests/unit/test_bootstrap.py)."""
    makefile = (README.parent / "Makefile").read_text(encoding="utf-8")
    python = re.search(r"^PYTHON \?= (\S+)$", makefile, flags=re.MULTILINE)
    assert python is not None and "$(PYTHON) -m venv" in makefile
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick_start.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make run", "make test"]
    prose = " ".join(quick_start.split("```")[2].split())
    assert "sudo apt-get install make" in prose and f"{python[1]}-venv" in prose


def test_the_exit_codes_say_what_sigterm_ends_each_long_running_command_with() -> None:
    """The README said `listen` and `simulate` "both end with 0 on SIGTERM" inside the sentence
    naming `serve` and `demo` too, read as "serve ends with 0 on SIGTERM"; serve ends with the
    signal (143 in the shell, -15 to subprocess: tests/service/test_serve_startup.py), demo, listen
    and simulate with 0 (tests/service/test_cli.py, tests/devices)."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "both end with 0 on SIGTERM" not in text
    assert "143 (128 + SIGTERM) `triage serve` stopped by SIGTERM" in text
    assert "(`triage demo` and `triage devices listen | simulate` end with 0 on SIGTERM instead" in text


def test_every_docs_page_is_listed_and_every_path_the_readme_names_exists() -> None:
    """The README is the map a new IT person follows: a page under docs/ it does not list is never
    found, and a path it names that is not in the repository (a renamed script, a moved page) is
    where the first day stops."""
    text = README.read_text(encoding="utf-8")
    listed = text.split("## Documentation", 1)[1]
    pages = sorted(p.name for p in (README.parent / "docs").glob("*.md"))
    assert pages and not [p for p in pages if f"docs/{p}" not in listed]
    named = set(
        re.findall(
            r"`((?:docs|scripts|examples|bench|triage|referral|devices|analytics|models)/[\w./-]*)`", text
        )
    )
    assert "docs/service.md" in named and "scripts/system-deps.sh" in named
    missing = sorted(path for path in named if not (README.parent / path).exists())
    assert not missing, f"README.md names paths the repository does not have: {missing}"
