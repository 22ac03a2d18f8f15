"""How the CLI prints records: indented JSON (``--json``) and aligned plain-text tables, the same
for every command that lists things (referrals, facilities, device associations, serial ports)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

Tick = Callable[[str, int, int], None]


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def print_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Aligned columns under a header line; empty cells print as '-'; no trailing spaces."""
    widths = [max(len(c), *(len(str(r[c] or "-")) for r in rows)) for c in columns]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    typer.echo(line(list(columns)))
    for row in rows:
        typer.echo(line([str(row[c] or "-") for c in columns]))


def examples(*commands: str) -> str:
    """A command's ``--help`` epilog: worked command lines, one a line (no square brackets: the
    help is Rich markup)."""
    return "Examples:\n" + "\n".join(f"  {command}" for command in commands)


@contextmanager
def step_progress(silent: bool, total: int, *, lines: bool = True) -> Iterator[Tick]:
    """Progress of long work, always on stderr: on a terminal a bar that is gone when the work is
    done; redirected, one ``... [k/n] step`` line per step (``lines``), as `triage report` does;
    nothing when ``silent`` (--json, --quiet). Yields ``tick(step, done, total)``."""
    if silent or not sys.stderr.isatty():

        def say(step: str, done: int, of: int) -> None:
            if lines and not silent:
                typer.echo(f"... [{done}/{of}] {step}", err=True)

        yield say
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    # on stderr: rich's default console is stdout, so `... > out.txt` hid the bar from the
    # terminal and wrote nothing useful to the file
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=total)

        def tick(step: str, done: int, of: int) -> None:
            bar.update(task, description=step, completed=done, total=of)

        yield tick
