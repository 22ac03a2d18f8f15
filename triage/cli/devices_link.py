"""`triage devices listen | simulate | ports`: live links to devices."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the live-link commands to the devices group."""
