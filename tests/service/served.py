"""A real service for the API tests: uvicorn on loopback over a copy of the seeded SQLite log, with
a client that checks every answer against /openapi.json (:class:`Sync`), and triage's own proposal
made as a device's results make it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from referral import store
from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from tests.service.test_api_analyst_view import Sync
from triage.service import create_app
from triage.service.auth import Role
from triage.service.pipeline import DevicePipeline


@dataclass
class Served:
    app: FastAPI
    sync: Sync
    tokens: dict[Role, str]

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def referral(self, mrn: str, reason: str) -> dict[str, Any]:
        """A walk-in ``mrn`` (WALK_IN's readings) and a clinician's urgent referral of it to the
        county hospital, with ``reason`` (proposed)."""
        walk_in = self.sync.call(
            "POST", "/api/v1/assessments", Role.nurse, {**WALK_IN, "patient": {"mrn": mrn}}
        )
        body = {"assessment_id": walk_in["id"], "to_facility": "county-hospital", "urgency": "urgent"}
        made: dict[str, Any] = self.sync.call(
            "POST", "/api/v1/referrals", Role.clinician, body | {"reason": reason}
        )
        return made


@pytest.fixture
def served(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Served]:
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with live_server(app) as base:
        sync = Sync(base, tokens)
        yield Served(app, sync, tokens)
        sync.client.close()


def triage_proposal(app: FastAPI, assessment_id: int) -> dict[str, Any]:
    """Triage's proposal for the stored assessment, made as on a device's results (the pipeline's
    ``propose_referral``)."""
    runtime = app.state.runtime
    db = runtime.databases.get()
    proposed = DevicePipeline(runtime, runtime.extras["clinic"]).propose_referral(
        db, store.get_assessment(db, assessment_id)
    )
    assert proposed is not None
    return proposed
