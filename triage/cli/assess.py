"""`triage assess` command."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `triage assess` to the root application."""
