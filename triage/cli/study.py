"""`triage study ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="study commands.", no_args_is_help=True)

from triage.cli import study_rebuild  # noqa: E402

study_rebuild.register(app)
