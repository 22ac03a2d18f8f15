"""schemathesis against the service's own OpenAPI document, on a real uvicorn server.

Every operation gets bounded generated requests (valid and invalid) as the admin, who may call
every API route: no response may be a 5xx, and every response must match the documented schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.service.conftest import live_server, make_settings, seed
from triage.service import create_app
from triage.service.auth import Role


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(make_settings(folder))
    with live_server(app) as base:
        tokens = seed(app)
        yield {"base": base, "app": app, "headers": {"Authorization": f"Bearer {tokens[Role.admin]}"}}


@pytest.fixture(scope="module")
def api_schema(live_service: dict[str, Any]) -> Any:
    document = httpx.get(f"{live_service['base']}/openapi.json").json()
    return schemathesis.openapi.from_dict(document)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def test_no_server_errors_and_responses_match_the_schema(
    api_schema: Any, live_service: dict[str, Any]
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=live_service["base"], headers=live_service["headers"], checks=CHECKS
            )

        check()
