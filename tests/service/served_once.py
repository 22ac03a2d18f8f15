"""tests/service/served.py's service for a module's tests to share (``served`` starts one per test: a
copy of the seeded log, create_app, uvicorn and the /openapi.json its client checks answers
against, about half a second of CPU). A module shares it only where its tests do not interfere:
each stores under record numbers of its own and counts from before its own requests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.service.conftest import copy_seeded, live_server, make_settings
from tests.service.served import Served
from tests.service.test_api_analyst_view import Sync
from triage.service import create_app
from triage.service.auth import Role


@contextlib.contextmanager
def served_in(folder: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Served]:
    """The seeded service on real uvicorn, its log in ``folder``: for a module-scoped fixture."""
    tokens = copy_seeded(seeded, folder)
    app = create_app(make_settings(folder))
    with live_server(app) as base:
        shared = Served(app, Sync(base, tokens), tokens)
        with contextlib.closing(shared.sync.client):
            yield shared
