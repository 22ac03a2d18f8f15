"""`triage referrals ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="referrals commands.", no_args_is_help=True)
