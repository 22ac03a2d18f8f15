"""tests/service/served.py's service for a module's tests to share (``served`` starts one per test: a
copy of the seeded log, create_app, uvicorn and the /openapi.json its client checks answers
against, about half a second of CPU). A module shares it only where its tests do not interfere:
each stores under record numbers of its own and counts from before its own requests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
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


#: A role's client on a module's shared service, and the service's OpenAPI document.
AsRole = Callable[[Role], tuple[httpx.Client, dict[str, Any]]]


@contextlib.contextmanager
def role_clients(folder: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[AsRole]:
    """tests/service/openapi_check.live_api's service for a module's tests to share (live_api starts
    one per test): the seeded service on real uvicorn, its log in ``folder``. Yields ``as_role``:
    ``as_role(role)`` is a client sending ``role``'s token - made on first use, closed with the
    service - and the service's OpenAPI document, read once."""
    tokens = copy_seeded(seeded, folder)
    with live_server(create_app(make_settings(folder))) as base, contextlib.ExitStack() as opened:
        document = httpx.get(f"{base}/openapi.json", timeout=HTTP_TIMEOUT_S).json()
        made: dict[Role, httpx.Client] = {}

        def as_role(role: Role) -> tuple[httpx.Client, dict[str, Any]]:
            if role not in made:
                auth = {"Authorization": f"Bearer {tokens[role]}"}
                made[role] = opened.enter_context(
                    httpx.Client(base_url=base, headers=auth, timeout=HTTP_TIMEOUT_S)
                )
            return made[role], document

        yield as_role
