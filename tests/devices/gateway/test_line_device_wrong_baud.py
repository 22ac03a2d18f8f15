"""A line device (a Nonin oximeter, a line a second) on a serial port at the wrong baud rate or
parity: every line arrives unreadable and is quarantined - each was a WARNING of its own, one a
second for as long as it was left so, and the words asked only whether the profile's grammar was
the device's. Now a run of lines quarantined for one reason, with no line stored between, is one
warning (each line still its own row and count), and the words say to check the baud rate and
parity too; a line stored ends the run. A real pseudo-terminal, the lines garbled as 8N1 read at
another setting (SYNTHETIC readings)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from devices.link_drivers import endpoint_from_profile
from devices.profile import PROFILE_DIR, load_profile
from devices.session import MonotonicClock
from devices.transports.link import SerialSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_integrator_errors import warning_lines

LINE = b"SPO2=097 HR=072"
GARBLED = bytes(b ^ 0x80 for b in LINE) + b"\r\n"


def test_unreadable_lines_one_after_another_are_one_warning_naming_the_baud_rate(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pty = open_pty()
    profile = load_profile(PROFILE_DIR / "nonin-oximeter.toml")
    endpoint = endpoint_from_profile(
        profile, clock=MonotonicClock(), transport=SerialSpec(url=pty.slave_path)
    )
    db_path = tmp_path / "clinic.db"

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path) as gateway:
            await asyncio.wait_for(gateway.wait_open(profile.device_id), 5)
            rows = 0
            for line in [GARBLED] * 3 + [LINE + b"\r\n"] + [GARBLED] * 2:
                await pty.write(line)
                if line == GARBLED:
                    rows += 1
                    await wait_until(lambda: count(db_path, "device_quarantine") == rows)  # noqa: B023
                else:
                    await wait_until(lambda: gateway.status()[0].messages == 4)
            await pty.close()
            return gateway.status()[0].quarantined

    with caplog.at_level(logging.WARNING, logger="devices.gateway"):
        assert asyncio.run(scenario()) == 5
    warnings = [w for w in warning_lines(caplog) if "quarantined" in w]
    assert [w.split(" of the stream")[0] for w in warnings] == [
        f"device {profile.device_id}: message quarantined at byte 0",
        f"device {profile.device_id}: message quarantined at byte {3 * len(GARBLED) + len(LINE) + 2}",
    ], warnings
    assert all(
        w.endswith(
            "unparseable_line: line does not match the nonin grammar, SPO2=nnn HR=nnn (--- for no value;"
            " *, F or B after a value) (the profile's line_grammar: is it this device's?); on a serial port"
            " also check the baud rate and parity"
        )
        for w in warnings
    ), warnings
