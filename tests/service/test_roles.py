"""Every route x every role x anonymous: the role table is enforced, nothing is left open."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from tests.service.conftest import Staff
from triage.service.auth import PUBLIC_PATHS, Role, route_roles


def routes(staff: Staff) -> list[tuple[str, str, tuple[Role, ...] | None]]:
    found = []
    for context in iter_route_contexts(staff.app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(set(context.methods or ()) - {"HEAD"}):
            found.append((method, context.path, route_roles(route)))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_declares_its_roles_or_is_public(staff: Staff) -> None:
    unchecked = [f"{m} {p}" for m, p, roles in routes(staff) if roles is None and p not in PUBLIC_PATHS]
    assert unchecked == []
    assert len(routes(staff)) > 30


def test_every_route_with_every_role_and_anonymous(staff: Staff) -> None:
    checked = 0
    for method, path, roles in routes(staff):
        url = concrete(path)
        if roles is None:
            continue
        anonymous = staff.client.request(method, url, follow_redirects=False)
        if path.startswith(("/api/", "/metrics")):
            assert anonymous.status_code == 401, f"anonymous {method} {path}: {anonymous.status_code}"
        else:
            assert anonymous.status_code == 303, f"anonymous {method} {path}: {anonymous.status_code}"
            assert anonymous.headers["location"].startswith("/login")
        for role in Role:
            if path == "/events" and role in roles:
                continue  # an endless stream; its admission is checked below
            response = staff.client.request(method, url, headers=staff.bearer(role), follow_redirects=False)
            if role in roles:
                assert response.status_code not in (401, 403), (
                    f"{role} {method} {path}: {response.text[:200]}"
                )
            else:
                assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
                if path.startswith("/api/"):
                    assert response.json()["code"] == "forbidden"
                else:
                    assert "may not do this" in response.text
            checked += 1
    assert checked > 150


@pytest.mark.parametrize("role", list(Role))
def test_clinical_decisions_are_clinicians_only(staff: Staff, role: Role) -> None:
    response = staff.client.post(
        "/api/v1/assessments/1/overrides",
        json={"disposition": "local_care", "reason": "r"},
        headers=staff.bearer(role),
    )
    assert (response.status_code != 403) == (role in (Role.clinician, Role.admin))


def test_device_association_routes_are_in_the_matrix_with_their_roles(staff: Staff) -> None:
    table = {(method, path): set(roles or ()) for method, path, roles in routes(staff)}
    writers = {Role.clinician, Role.nurse, Role.admin}
    assert table[("GET", "/api/v1/devices/associations")] == writers | {Role.integrator}
    assert table[("POST", "/api/v1/devices/{device_id}/association")] == writers
    assert table[("DELETE", "/api/v1/devices/{device_id}/association")] == writers
    assert table[("POST", "/encounters/{encounter_id}/devices")] == writers
    assert table[("POST", "/devices/{device_id}/detach")] == writers


@pytest.mark.parametrize("role", list(Role))
def test_api_links_and_paths_are_shown_only_to_roles_whose_work_uses_the_api(
    staff: Staff, role: Role
) -> None:
    """Nurses and clinicians work on the pages: no "API" in the navigation and no API path in
    the held results' help; admins, integrators and analysts keep them."""
    csrf = staff.login(role)
    page = "/devices" if role is not Role.analyst else "/referrals"
    for language, label in (("en", ">API</a>"), ("zh", ">接口</a>")):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        html = staff.client.get(page).text
        uses_api = role in (Role.admin, Role.integrator, Role.analyst)
        assert (label in html and 'href="/docs"' in html) is uses_api, (role, language)
        if page == "/devices":
            assert ("/api/v1/devices/held" in html) is uses_api, (role, language)
            assert "30" in html.split('id="held"')[1].split("</small>")[0], "the window is still said"
