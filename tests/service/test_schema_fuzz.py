"""schemathesis against the service's own OpenAPI document, on a real uvicorn server.

Every operation gets bounded generated requests (valid and invalid) as the admin, who may call
every API route: no response may be a 5xx, and every response must match the documented schema.
The analyst's operations are fuzzed with the analyst's token too: its answers are another view
(staff by pseudonym, free text null: triage.service.api.analyst_view) that the admin's never
shows. The log fuzzed holds patients, assessments, referrals (one a device proposed), device
results stored and held, so a generated id finds rows (ids are small) and the answers hold them:
with accounts and facilities only, every list was empty and every id a 404.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.transport.requests import ManagedCookiesSession

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, Staff, copy_seeded, live_server, make_settings
from tests.service.test_corrections import deliver, result
from tests.service.test_held_results import lab_result
from triage.service import create_app
from triage.service.auth import Role, route_roles


def _fill(app: FastAPI, base: str, token: str) -> None:
    """Patients, assessments and referrals through the API; device results stored (a glucose that
    proposes a referral, then corrects it) and held (an unmapped code, one for no known patient)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=20) as api:

        def sent(method: str, path: str, body: object) -> Any:
            answer = api.request(method, path, json=body)
            assert answer.is_success, (path, answer.status_code, answer.text)
            return answer.json()

        walk_in = sent("POST", "/api/v1/assessments", WALK_IN)
        referral = {"to_facility": "county-hospital", "urgency": "urgent", "reason": "chest pain at rest"}
        made = sent("POST", "/api/v1/referrals", referral | {"assessment_id": walk_in["id"]})
        sent("POST", f"/api/v1/referrals/{made['id']}/status", {"status": "sent"})
        patient = sent("POST", "/api/v1/patients", {"mrn": "FZ-1", "name": "Synthetic A", "sex": "female"})
        sent(
            "POST", f"/api/v1/patients/{patient['id']}/corrections", {"name": "Synthetic B", "reason": "typo"}
        )
        visit = sent("POST", "/api/v1/encounters", {"mrn": "FZ-1", "age_years": 66})
        reading = {"code": "heart_rate", "value": 88, "unit": "/min"}
        sent("POST", f"/api/v1/encounters/{visit['id']}/observations", [reading])
        assessed = sent("POST", f"/api/v1/encounters/{visit['id']}/assessments", {})
        override = {"disposition": "urgent_referral", "reason": "seen in person"}
        sent("POST", f"/api/v1/assessments/{assessed['id']}/overrides", override)
    staff = cast(Staff, SimpleNamespace(app=app))
    deliver(staff, result("28.0"))
    deliver(staff, result("8.2", "corrected"))
    deliver(staff, lab_result("XYZ", code=None, sample="S-202"), result("7.1", patient_id="MRN-NOBODY"))


@pytest.fixture(scope="module")
def live_service(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[dict[str, Any]]:
    """The fuzzed service on a copy of the session's seeded log (an account and a token of each
    role, the two facilities: conftest.seed, whose four argon2id hashes this module made again),
    filled by :func:`_fill`."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    tokens = copy_seeded(seeded, folder)
    app = create_app(make_settings(folder))
    with live_server(app) as base:
        _fill(app, base, tokens[Role.admin])
        yield {
            "base": base,
            "app": app,
            "headers": {"Authorization": f"Bearer {tokens[Role.admin]}"},
            "analyst": {"Authorization": f"Bearer {tokens[Role.analyst]}"},
        }


@pytest.fixture(scope="module")
def api_schema(live_service: dict[str, Any]) -> Any:
    document = httpx.get(f"{live_service['base']}/openapi.json", timeout=HTTP_TIMEOUT_S).json()
    return schemathesis.openapi.from_dict(document)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _fuzz(operations: list[Any], base: str, headers: dict[str, str], examples: int) -> None:
    """``examples`` generated requests per operation, each checked; sent on one keep-alive
    connection (schemathesis made a session, and a connection, per request): a session whose
    response cookies schemathesis drops after each request and with no default headers of its own,
    so every request is sent as before."""
    with ManagedCookiesSession() as session:
        session.headers.clear()  # what a new session adds (User-Agent, Accept...) is not sent either
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
            def check(case: Any) -> None:
                case.call_and_validate(base_url=base, session=session, headers=headers, checks=CHECKS)

            check()


def test_no_server_errors_and_responses_match_the_schema(
    api_schema: Any, live_service: dict[str, Any]
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    _fuzz(operations, live_service["base"], live_service["headers"], 12)


def analyst_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of the routes whose role check admits the analyst (its pages too)."""
    return {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.route, APIRoute) and Role.analyst in (route_roles(context.route) or ())
        for method in set(context.methods or ()) - {"HEAD"}
    }


def test_the_analyst_s_operations_answer_as_documented(api_schema: Any, live_service: dict[str, Any]) -> None:
    """As the analyst: 9 operations (the referrals, an assessment, the three change feeds, the
    facilities, the metrics) x 15 generated requests each (135)."""
    allowed = analyst_operations(live_service["app"])
    operations = [
        op
        for op in (result.ok() for result in api_schema.get_all_operations())
        if (op.method.upper(), op.path) in allowed
    ]
    assert len(operations) == 9, [op.label for op in operations]  # the pages are not in the document
    _fuzz(operations, live_service["base"], live_service["analyst"], 15)
    # the log fuzzed holds what the analyst reads: referrals, staff by pseudonym, free text null
    listed = httpx.get(
        f"{live_service['base']}/api/v1/referrals", headers=live_service["analyst"], timeout=HTTP_TIMEOUT_S
    ).json()
    assert {r["created_by"][:6] for r in listed} == {"staff-", "device"}, listed
    assert {r["reason"] for r in listed} == {None, "proposed by triage: glucose_critical_high"}, listed


COVERAGE_CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "allow_header_conformance",
        "negative_data_rejection",
        "missing_required_header",
        "unsupported_method",
        "ignored_auth",
    ]
)


def test_boundary_values_and_other_methods_with_the_schemathesis_cli(
    live_service: dict[str, Any], tmp_path: Path
) -> None:
    """The CLI's coverage phase sends each documented boundary (a string of exactly its maxLength, a
    number at its maximum, one past it) and each method a path does not take: the generated requests
    above seldom do. It found a walk-in key of 191-200 characters answered with a 500 and a 405 whose
    Allow header left out methods the path takes (tests/service/test_api_integrator.py)."""
    base = live_service["base"]
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{base}/openapi.json",
        "--url",
        base,
        "--header",
        f"Authorization: {live_service['headers']['Authorization']}",
        "--phases",
        "examples,coverage",
        "--checks",
        COVERAGE_CHECKS,
        "--seed",
        "20261205",
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
    ]
    # in a folder of its own: the CLI keeps a .schemathesis cache in its working folder (the checkout)
    run = subprocess.run(command, capture_output=True, text=True, timeout=280, check=False, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
