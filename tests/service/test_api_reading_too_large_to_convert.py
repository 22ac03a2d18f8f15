"""A blood pressure sent in kPa so large that it has no value in mm[Hg] (1e308 kPa: the product
overflows a float) is a 422 naming the reading, as any implausible value - it was a 500
``internal_error`` (on a kept-alive connection, a reset one), an ``OverflowError`` in the service
log: ``triage.units.kpa_to_mmhg`` rounded the infinite product to whole mmHg. A value just under the overflow is refused the same
way, its mm[Hg] shown. Real uvicorn on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.service.conftest import copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

TIMEOUT_S = 60.0


def test_a_pressure_too_large_to_convert_is_refused_as_implausible(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.nurse]}"}

    def walk_in(value: float) -> dict[str, object]:
        return {"patient": {"mrn": "KPA-1"}, "observations": [{"code": "sbp", "value": value, "unit": "kPa"}]}

    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, headers=auth, timeout=TIMEOUT_S) as client,
    ):
        overflow = client.post("/api/v1/assessments", json=walk_in(1e308))
        huge = client.post("/api/v1/assessments", json=walk_in(1e300))
    assert overflow.status_code == 422, overflow.text
    assert overflow.json()["fields"] == ["observations[0]"], overflow.json()
    assert overflow.json()["error"] == (
        "observations[0]: sbp: value 1e+308 kPa is outside the plausible range 40-300 mm[Hg]"
    ), overflow.json()
    assert huge.status_code == 422 and "1e+300 kPa (= " in huge.json()["error"], huge.json()
