"""`triage serve` command."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `triage serve` to the root application."""
