"""One page size for every list of the API, found by walking the app's routes: ``limit`` 1 to
1000, 100 unless asked, except the queue (500 unless asked: a day's queue is read whole, being
ranked live). The sizes differed without a reason (held results 1-1000 default 100, the change
feeds 1-500 default 100, patients, a patient's visits and referrals 1-500 default 50), so a client
paging several lists had to know each. docs/service.md's table of them is checked against the routes
and the OpenAPI document, so a list added or changed without it fails here."""

from __future__ import annotations

import re
from pathlib import Path

from annotated_types import Le
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from tests.service.conftest import Staff
from triage.service.api import paging
from triage.service.auth import Role

DOCS = Path(__file__).resolve().parents[2] / "docs" / "service.md"
#: The list whose default is not paging.DEFAULT_LIMIT, and why (its description says it).
OWN_DEFAULT = {"/api/v1/queue": paging.QUEUE_LIMIT}


def _query_params(dependant: Dependant) -> list[ModelField]:
    """A route's query parameters, its dependencies' included (a change feed's come in one)."""
    return [*dependant.query_params, *(p for d in dependant.dependencies for p in _query_params(d))]


def _sizes(staff: Staff) -> dict[str, tuple[int, int]]:
    """Every GET route with a ``limit``: path -> (default, maximum), from the routes themselves."""
    found = {}
    for context in iter_route_contexts(staff.app.routes):
        route = context.route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        for param in _query_params(route.dependant):
            if param.alias == "limit":
                (maximum,) = [m.le for m in param.field_info.metadata if isinstance(m, Le)]
                found[context.path] = (int(param.field_info.default), int(maximum))
    return found


def _table() -> dict[str, tuple[int, int]]:
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| list | default `limit` | maximum |") :].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `GET (\S+)` \| (\d+) \| (\d+) \|", table, re.M)
    return {path: (int(default), int(maximum)) for path, default, maximum in rows}


def test_every_list_takes_one_page_size_but_the_queue(staff: Staff) -> None:
    sizes = _sizes(staff)
    assert {"/api/v1/referrals", "/api/v1/devices/held", "/api/v1/changes/referrals"} <= set(sizes)
    for path, (default, maximum) in sizes.items():
        assert maximum == paging.MAX_LIMIT, path
        assert default == OWN_DEFAULT.get(path, paging.DEFAULT_LIMIT), path


def test_the_docs_table_lists_each_list_with_its_sizes_and_the_document_declares_them(staff: Staff) -> None:
    sizes = _sizes(staff)
    assert _table() == sizes
    document = staff.client.get("/openapi.json").json()
    for path, (default, maximum) in sizes.items():
        (limit,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "limit"]
        assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (default, maximum), path
        assert f"default {default}" in limit["description"], limit


def test_a_limit_over_the_maximum_is_a_422_naming_it_and_the_maximum_is_taken(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    for path in ("/api/v1/referrals", "/api/v1/patients", "/api/v1/changes/encounters?after=0"):
        joined = "&" if "?" in path else "?"
        taken = staff.client.get(f"{path}{joined}limit={paging.MAX_LIMIT}", headers=doctor)
        assert taken.status_code == 200, taken.text
        refused = staff.client.get(f"{path}{joined}limit={paging.MAX_LIMIT + 1}", headers=doctor)
        assert refused.status_code == 422 and refused.json()["fields"] == ["query.limit"], refused.text
