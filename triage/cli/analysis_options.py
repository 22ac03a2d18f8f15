"""Options the analyst commands share, defined once so they read the same everywhere.

``--backend`` of ``triage study fit`` and ``triage study rebuild`` is the ERGM fitting backend
(python or r); ``triage report`` has no ERGM to fit and chooses a query engine with ``--engine``
(duckdb or spark), a different thing under a different name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

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
