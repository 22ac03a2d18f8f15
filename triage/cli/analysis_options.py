"""Options the analyst commands share, defined once so they read the same everywhere.

``--backend`` of ``triage study fit`` and ``triage study rebuild`` is the ERGM fitting backend
(python or r); ``triage report`` has no ERGM to fit and chooses a query engine with ``--engine``
(duckdb or spark), a different thing under a different name.

``--json`` and ``--quiet`` mean the same in every ``triage study`` and ``triage report`` command:
the result as JSON on stdout, and no progress on stderr (``--json`` silences it too).
``--seed`` has one range (0 or more), so one error wording, in each of them.

An option that would change nothing in the configuration chosen, or that contradicts another, is
refused in one line naming it (exit 2) rather than ignored; :func:`given` tells an option given on
the command line from one left at its default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer


class BackendName(StrEnum):
    python = "python"
    r = "r"


BackendOption = Annotated[
    BackendName,
    typer.Option(
        "--backend",
        help="ERGM fitting backend: python (built in) or r (R's ergm via rpy2, else R's glm; docs/ergm.md).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of text (no progress on stderr).")
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress on stderr; the result is still printed.")
]


def given(ctx: typer.Context, name: str) -> bool:
    """Whether the option whose parameter is ``name`` was given, not left at its default."""
    # by name: typer bundles its own click, whose ParameterSource is not click.core's
    return getattr(ctx.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"


def seed_option(of: str, gives: str) -> Any:
    """``--seed``, 0 or more (typer's one-line error names it): 'Seed of {of}: the same seed gives
    the same {gives}.'"""
    return typer.Option("--seed", min=0, help=f"Seed of {of}: the same seed gives the same {gives}.")
