"""Start-up cost of an app: ``create_app`` and its lifespan leave FastAPI's per-route build
(dependencies, pydantic fields of every included route) to the first request a router gets, while
the metrics still label each request by its full route template.

The metrics learnt the templates through ``fastapi.routing.iter_route_contexts``, which built every
included route's effective context up front: ~0.1 s of CPU per app (0.4-1.1 s of wall time on a
loaded machine), paid by each ``triage serve`` process and by every service test's fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.routing import _IncludedRouter, iter_route_contexts
from fastapi.testclient import TestClient

from tests.service.conftest import Staff, make_settings
from triage.service import create_app
from triage.service.auth import Role
from triage.service.metrics import route_templates


def built_inclusions(app: Any) -> list[str]:
    """The prefixes of the app's included routers whose routes' effective contexts were built
    (FastAPI keeps the routes version it built them for; ``None`` until then)."""
    return [
        route.include_context.prefix or "''"
        for route in app.routes
        if isinstance(route, _IncludedRouter) and route._effective_candidates_version is not None
    ]


def test_start_up_builds_no_included_route(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    assert any(isinstance(route, _IncludedRouter) for route in app.routes)
    assert built_inclusions(app) == [], "create_app built the included routes' contexts"
    with TestClient(app) as client:
        assert built_inclusions(app) == [], "the lifespan built the included routes' contexts"
        assert client.get("/api/v1/queue").status_code == 401
    built = built_inclusions(app)
    assert "/api/v1" in built, "a request builds the routers it tries"
    assert len(built) < sum(isinstance(route, _IncludedRouter) for route in app.routes), "and no others"


def test_route_templates_are_fastapis(tmp_path: Path) -> None:
    """The templates read from the routers are the paths FastAPI's own contexts give (this fails
    if a FastAPI upgrade changes how included routers keep their prefixes)."""
    app = create_app(make_settings(tmp_path))
    ours = {id(route): path for route, path in route_templates(app.routes)}
    fastapis = {
        id(context.route): context.path for context in iter_route_contexts(app.routes) if context.path
    }
    assert ours == fastapis
    assert "/api/v1/encounters/{encounter_id}/assessments" in ours.values()


def test_requests_labelled_by_full_template_from_the_first(staff: Staff) -> None:
    admin = staff.bearer(Role.admin)
    assert staff.client.get("/api/v1/referrals/999999", headers=admin).status_code == 404
    assert staff.client.get("/queue/rows", follow_redirects=False).status_code in (303, 401, 204)
    assert staff.client.get("/healthz").status_code == 200
    metrics = staff.client.get("/metrics", headers=admin).text
    for route, status in (
        ("/api/v1/referrals/{referral_id}", "404"),
        ("/healthz", "200"),
    ):
        assert f'triage_http_requests_total{{method="GET",route="{route}",status="{status}"}} 1.0' in metrics
    assert 'route="/queue/rows"' in metrics
