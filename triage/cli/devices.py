"""`triage devices ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="devices commands.", no_args_is_help=True)
