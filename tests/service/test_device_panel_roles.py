"""The devices page and ``GET /api/v1/devices`` show how a device is connected (protocol, serial
port with its baud rate and framing, the gateway's error text, counts) only to the roles that
administer devices (admin, integrator); nurses and clinicians see the device, whether it is
connected, its last result and a problem in plain words. Real gateway: the demo's simulated
devices on pseudo-terminals, and a thermometer whose serial port does not exist."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import simulator_profile
from tests.service.conftest import Staff, copy_seeded, make_settings
from tests.service.test_pipeline import wait_for
from triage.service import create_app
from triage.service.auth import Role
from triage.service.demo import DemoDevices

MISSING_PORT = "/dev/clinic-triage-no-such-port"
UNPLUGGED = "ward-thermometer"


@pytest.fixture
def panel(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Staff]:
    tokens = copy_seeded(seeded, tmp_path)
    devices = DemoDevices()
    unplugged = simulator_profile(
        "pulse-oximeter", UNPLUGGED, serial={"port": MISSING_PORT, "baud": 19200, "parity": "E"}
    )
    endpoints = [*devices.endpoints, endpoint_from_profile(unplugged, clock=MonotonicClock())]
    app = create_app(make_settings(tmp_path), device_endpoints=endpoints)
    with TestClient(app) as client:
        staff = Staff(app, client, tokens)
        # until the gateway has brought the pseudo-terminals up and failed to open the missing port
        wait_for(lambda: [d for d in devices_api(staff, Role.admin) if d["link_up"] or d["last_error"]], 4)
        yield staff
    asyncio.run(devices.close())


def devices_api(staff: Staff, role: Role) -> list[dict[str, object]]:
    response = staff.client.get("/api/v1/devices", headers=staff.bearer(role))
    assert response.status_code == 200, response.text
    return list(response.json())


def row(page: str, device: str) -> str:
    return page.split(f'data-device="{device}"')[1].split("</tr>")[0]


@pytest.mark.parametrize("role", [Role.admin, Role.integrator])
def test_device_administrators_see_how_each_device_is_connected(panel: Staff, role: Role) -> None:
    page = panel.client.get("/devices", headers=panel.bearer(role)).text
    unplugged = row(page, UNPLUGGED)
    assert f"serial {MISSING_PORT} 19200 8E1" in unplugged
    assert MISSING_PORT in unplugged.split("</td>")[-3], "the gateway's own error text"
    assert "serial /dev/" in row(page, "demo-monitor")
    by_device = {d["device"]: d for d in devices_api(panel, role)}
    assert by_device[UNPLUGGED]["port"] == f"serial {MISSING_PORT} 19200 8E1"
    assert by_device[UNPLUGGED]["last_error"]


@pytest.mark.parametrize("role", [Role.nurse, Role.clinician])
def test_nurses_see_whether_a_device_is_connected_in_plain_words(panel: Staff, role: Role) -> None:
    panel.login(role)  # the page as the nurse uses it: a signed-in session
    for path in ("/devices", "/devices/rows"):
        page = panel.client.get(path).text
        # " 8E1" as the port says it: a page's CSRF token and nonce (URL-safe base64) hold "8E1" in about
        # one page of 5,000
        assert "/dev/" not in page and "19200" not in page and " 8E1" not in page and "serial" not in page
        unplugged = row(page, UNPLUGGED)
        assert "Not connected: check that the device is switched on" in unplugged
        monitor = row(page, "demo-monitor")
        assert "Yes" in monitor and "Not connected" not in monitor
        assert "Problem" in page and "Last error" not in page
    for device in devices_api(panel, role):
        assert (device["protocol"], device["port"], device["last_error"]) == (None, None, None)
        assert isinstance(device["link_up"], bool)
