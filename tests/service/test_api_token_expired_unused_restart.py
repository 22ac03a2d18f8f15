"""An API token that expired while the service ran, unused and with nothing written after its
expiry, stays expired after a restart with the machine's clock set back before the expiry. The
restarted service's clock started from the newest time the log held - audit entries, sessions' and
tokens' last use - and nothing there was later than the token's issue, so the token worked again
until the clock passed its expiry (docs/service.md named it "left open"). The service now keeps the
time it counted in the log (migration 0028, every minute and when it stops), and starts from it.

Real uvicorn, real SQLite; the clocks are the service's own clock parameter (``create_app(wall=)``)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from tests.service.test_security_clock_set_back import DAY_S, Clocks
from triage.cli import main
from triage.service import create_app
from triage.service.auth import Role


def test_a_token_that_expired_unused_stays_expired_after_a_restart_with_the_clock_set_back(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
    clocks = Clocks()
    with (
        live_server(create_app(make_settings(tmp_path), wall=clocks.forward())) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        issued = client.post(
            "/api/v1/tokens",
            json={"username": "integrator", "label": "lab bridge", "expires_in_days": 1},
            headers=admin,
        ).json()
        # the service runs on past the token's expiry; nobody uses it, nothing is written
        clocks.on(2 * DAY_S)
    bridge = {"Authorization": f"Bearer {issued['token']}"}

    # restarted with the clock set back to half a day after the token was issued
    restarted = Clocks()
    restarted.wall_at = clocks.wall_at - 1.5 * DAY_S
    with (
        live_server(create_app(make_settings(tmp_path), wall=restarted.forward())) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        refused = client.get("/api/v1/devices", headers=bridge)
        assert refused.status_code == 401, "an expired token came back to life after a restart"
        assert refused.json()["error"].startswith("the API token expired at "), refused.text

    # the machine's listing counts from that time too (its own wall clock is today's, before expiry)
    assert main(["referrals", "tokens", "--db", str(tmp_path / "clinic.db"), "--json"]) == 0
    states = {row["label"]: row["state"] for row in json.loads(capsys.readouterr().out)}
    assert states["lab bridge"] == "expired", states
