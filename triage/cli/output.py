"""How the CLI prints records: indented JSON (``--json``) and aligned plain-text tables, the same
for every command that lists things (referrals, facilities, device associations, serial ports)."""

from __future__ import annotations

import json
from typing import Any

import typer


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
