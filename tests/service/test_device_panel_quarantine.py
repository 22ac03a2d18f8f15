"""A message the gateway quarantines whole is on the devices page and in ``GET /api/v1/devices``
for the roles that administer devices: what is wrong, where (the byte of the connection and of
the message) and what to check - not only a count, with the reason readable only with sqlite3.
Real service and gateway; the device is an HL7 monitor on a loopback TCP port."""

from __future__ import annotations

import html
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import simulator_profile
from devices.transports.link import TcpListenSpec
from tests.devices.gateway.test_integrator_errors import HL7
from tests.ports import free_port
from tests.service.conftest import Staff, copy_seeded, make_settings
from tests.service.test_device_panel_roles import devices_api, row
from tests.service.test_pipeline import wait_for
from triage.service import create_app
from triage.service.auth import Role


@contextmanager
def served_monitor(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[tuple[Staff, int]]:
    """The real service, its gateway's one device ``ward-monitor`` the simulator's HL7 monitor on a
    free loopback TCP port: the staff's client and that port."""
    tokens = copy_seeded(seeded, tmp_path)
    port = free_port()
    endpoint = endpoint_from_profile(
        simulator_profile("hl7-monitor", "ward-monitor"),
        clock=MonotonicClock(),
        transport=TcpListenSpec(port=port),
    )
    app = create_app(make_settings(tmp_path), device_endpoints=[endpoint])
    with TestClient(app) as client:
        yield Staff(app, client, tokens), port


def test_the_devices_panel_shows_why_a_message_was_quarantined(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    bad = HL7.replace(b"SPO2^SPO2", b"SPO2^SP\xd62")
    with served_monitor(tmp_path, seeded) as (staff, port):
        client = staff.client
        wait_for(lambda: [d for d in devices_api(staff, Role.admin) if d["link_up"] is False], 1)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as device:
            device.sendall(b"\x0b" + bad + b"\x1c\r")
            assert b"MSA|AE|" in device.recv(4096)  # answered after it was stored
            wait_for(lambda: [d for d in devices_api(staff, Role.admin) if d["last_error"]], 1)
            (shown,) = devices_api(staff, Role.integrator)
            page = client.get("/devices", headers=staff.bearer(Role.integrator)).text
    at = bad.index(b"\xd6")
    sentence = (
        f"message quarantined at byte {at + 1} of the stream (byte {at} of the message, OBX-3 of OBX 1): "
        "undecodable_bytes: "
        "byte 0xD6 is not valid ascii (MSH-18 ASCII, profile encoding ascii); check the profile's "
        "encoding against the device's character set"
    )
    assert shown["last_error"] == sentence
    assert shown["errors"] == 1
    assert sentence in html.unescape(row(page, "ward-monitor"))
