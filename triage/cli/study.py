"""`triage study ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The study behind the product: fit ERGMs to mobility networks and rebuild the paper's analysis.",
    no_args_is_help=True,
)

from triage.cli import study_fit, study_rebuild  # noqa: E402

study_fit.register(app)
study_rebuild.register(app)
