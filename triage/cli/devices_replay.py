"""`triage devices replay`: parse a capture file into canonical observations."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the replay command to the devices group."""
