"""Every operation the OpenAPI document publishes, called the way a client calls it - a request
that succeeds - on a real uvicorn server with a real SQLite file: each answer's status is one the
document lists for it and its JSON body validates against the declared schema
(``openapi_check.conforms``). The fuzzing test (``test_schema_fuzz.py``) sends generated requests,
which a route mostly refuses (a generated walk-in is no patient): the success bodies a client is
generated from were checked route by route, in the tests that happened to use ``conforms``. Here
each one is, and an operation added to the document without a call below fails the test: its
success answer is then checked against what the document says of it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx

from tests.service.conftest import WALK_IN, Staff, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms, template
from tests.service.test_api_facility_put import FACILITY
from tests.service.test_corrections import ANALYZER, deliver, result
from tests.service.test_held_results import lab_result
from triage.service import create_app
from triage.service.auth import Role


class Client:
    """Calls as one role, each answer checked against the document and recorded as answered."""

    def __init__(self, client: httpx.Client, tokens: dict[Role, str]) -> None:
        self.client, self.tokens = client, tokens
        self.document = client.get("/openapi.json").json()
        self.answered: set[tuple[str, str]] = set()

    def __call__(self, method: str, path: str, role: Role = Role.admin, **sent: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        answer = self.client.request(method, path, headers=headers, **sent)
        conforms(self.document, answer)
        assert answer.is_success, (method, path, answer.status_code, answer.text)
        self.answered.add((method, template(self.document, method, path)))
        return (
            answer.json() if answer.headers.get("content-type", "").startswith("application/json") else None
        )


def test_every_published_operation_answers_what_the_document_declares(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=20) as http:
        call = Client(http, tokens)
        call("GET", "/healthz")
        call("GET", "/readyz")
        call("GET", "/metrics")
        patient = call(
            "POST", "/api/v1/patients", json={"mrn": "EV-1", "name": "Synthetic A", "sex": "female"}
        )
        call("GET", "/api/v1/patients")
        call("GET", f"/api/v1/patients/{patient['id']}")
        call(
            "POST",
            f"/api/v1/patients/{patient['id']}/corrections",
            json={"name": "Synthetic B", "reason": "typo"},
        )
        call("GET", f"/api/v1/patients/{patient['id']}/corrections")
        visit = call("POST", "/api/v1/encounters", json={"mrn": "EV-1", "age_years": 66})
        call("GET", f"/api/v1/patients/{patient['id']}/encounters")
        reading = {"code": "heart_rate", "value": 88, "unit": "/min"}
        call("POST", f"/api/v1/encounters/{visit['id']}/observations", json=[reading])
        assessed = call("POST", f"/api/v1/encounters/{visit['id']}/assessments", json={})
        call("GET", f"/api/v1/encounters/{visit['id']}")
        walk_in = call("POST", "/api/v1/assessments", json=WALK_IN)
        call("GET", f"/api/v1/assessments/{walk_in['id']}")
        call(
            "POST",
            f"/api/v1/assessments/{assessed['id']}/overrides",
            json={"disposition": "urgent_referral", "reason": "seen in person"},
        )
        call("GET", "/api/v1/queue")
        sent = {"to_facility": "county-hospital", "urgency": "urgent", "reason": "chest pain"}
        referral = call("POST", "/api/v1/referrals", json=sent | {"assessment_id": assessed["id"]})
        call("GET", "/api/v1/referrals")
        call("GET", f"/api/v1/referrals/{referral['id']}")
        call("POST", f"/api/v1/referrals/{referral['id']}/status", json={"status": "sent"})
        call("POST", f"/api/v1/encounters/{visit['id']}/close", json={"reason": "referred"})

        # a device's glucose proposes a referral; the device corrects it: its basis is reviewed
        staff = cast(Staff, SimpleNamespace(app=app))
        deliver(staff, result("28.0"))
        proposed = call("GET", "/api/v1/referrals", params={"status": "proposed"})
        (by_device,) = [r for r in proposed if r["created_by"] == "device-gateway"]
        deliver(staff, result("8.2", "corrected"))
        call("POST", f"/api/v1/referrals/{by_device['id']}/basis-review", json={"reason": "rechecked: 27.6"})

        # results held for review: one assigned, one dismissed; the analyzer attached and detached
        held_back = (
            lab_result("GLU", code="glucose_random", sample="S-201"),
            lab_result("XYZ", code=None, sample="S-202"),
        )
        deliver(staff, *held_back)
        held = {row["sample_id"]: row for row in call("GET", "/api/v1/devices/held")["data"]}
        glucose_visit = by_device["encounter_id"]
        call(
            "POST",
            f"/api/v1/devices/results/{held['S-201']['id']}/assign",
            json={"encounter_id": glucose_visit, "reason": "the patient's sample"},
        )
        call(
            "POST", f"/api/v1/devices/results/{held['S-202']['id']}/dismiss", json={"reason": "unknown test"}
        )
        call("POST", f"/api/v1/devices/{ANALYZER}/association", json={"encounter_id": glucose_visit})
        call("GET", "/api/v1/devices/associations")
        call("DELETE", f"/api/v1/devices/{ANALYZER}/association", params={"reason": "sample run done"})
        call("GET", "/api/v1/devices")

        call("GET", "/api/v1/facilities")
        call("GET", "/api/v1/facilities/county-hospital")
        call("PUT", f"/api/v1/facilities/{FACILITY['id']}", json=FACILITY)
        for feed in ("referrals", "encounters", "assessments"):
            call("GET", f"/api/v1/changes/{feed}", role=Role.analyst, params={"after": 0})

        account = {"username": "bridge-2", "password": "a long enough password", "role": "integrator"}
        call("POST", "/api/v1/users", json=account)
        call("GET", "/api/v1/users")
        issued = call("POST", "/api/v1/tokens", json={"username": "bridge-2", "label": "lab bridge"})
        call("GET", "/api/v1/tokens")
        call("POST", "/api/v1/tokens/revoke", json={"token": issued["token"]})
        call("POST", "/api/v1/users/bridge-2/disable")
        call("POST", "/api/v1/users/bridge-2/enable")

        declared = {(m.upper(), p) for p, operations in call.document["paths"].items() for m in operations}
        assert declared - call.answered == set(), "published operations this test does not call"
