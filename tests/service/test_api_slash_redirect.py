"""A known path with a ``/`` at its end is redirected (307, method and body kept) to the path
without it - docs/service.md says ``Location`` is that path, but Starlette wrote the absolute URL
it rebuilt from the request (``http://127.0.0.1:8000/api/v1/queue``): behind a reverse proxy that
ends HTTPS and is not named in ``service.trusted_proxies``, that is ``http://`` - a client following
it left HTTPS, and HTTP libraries drop the ``Authorization`` header on such a redirect (a 401).
Now ``Location`` is the path and query alone (RFC 9110 10.2.2: a relative reference), resolved by
the client against the address it used. Real uvicorn on a real SQLite file; the module's two tests
share one service (:func:`served`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.served import Served
from tests.service.served_once import served_in
from triage.service.auth import Role
from triage.service.metrics import route_templates


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Served]:
    """One service for both tests (each started its own): the first stores a patient of its own
    (SLASH-1), the second only reads the app's routes."""
    with served_in(tmp_path_factory.mktemp("slash"), seeded) as shared:
        yield shared


def test_a_trailing_slash_is_redirected_to_the_path_alone(served: Served) -> None:
    client, nurse = served.sync.client, served.headers(Role.nurse)
    for path, target in (
        ("/api/v1/queue/", "/api/v1/queue"),
        ("/api/v1/patients/?limit=2", "/api/v1/patients?limit=2"),
    ):
        moved = client.get(path, headers=nurse | {"X-Forwarded-Proto": "https"})
        assert moved.status_code == 307, moved.text
        assert moved.headers["Location"] == target, moved.headers
    made = client.post("/api/v1/patients/", json={"mrn": "SLASH-1"}, headers=nurse, follow_redirects=True)
    assert made.status_code == 201 and made.json()["mrn"] == "SLASH-1", made.text
    assert isinstance(made.history[0], httpx.Response) and made.history[0].status_code == 307


def test_no_route_but_the_start_page_ends_with_a_slash(served: Served) -> None:
    """``PathRedirects`` looks only at paths ending with ``/``: Starlette redirects the other way
    (to a path with the slash) only for a route that ends with one."""
    ending = [path for _, path in route_templates(served.app.routes) if path.endswith("/")]
    assert ending == ["/"], ending
