"""`triage demo` command."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `triage demo` to the root application."""
