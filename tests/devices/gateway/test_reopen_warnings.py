"""A serial port that cannot be opened: the gateway tries again with back-off (0.5 s doubling to
30 s), and said the same warning at every try - a port unplugged overnight was a warning every
30 s in `listen`'s terminal and the service's log until morning, while `listen` had already said
"not listening yet ... saying so here when it opens". Now a failure is a warning when it is new (the
first, or another reason), the same again is INFO; once the port opens after failures, a warning
says so, and a later failure is new again. A /dev/serial/by-id-style link re-pointed at a real
pseudo-terminal, as after re-enumeration (test_crash_and_reopen.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from pathlib import Path

import pytest

from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import simulator_profile
from devices.transports.link import SerialSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_integrator_errors import warning_lines


def test_the_same_open_failure_is_one_warning_and_the_port_opening_again_is_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    by_id = tmp_path / "usb-Simulated_Analyzer-if00-port0"
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=clock, transport=SerialSpec(url=str(by_id))
    )
    endpoint = dataclasses.replace(endpoint, reopen_initial_s=0.01, reopen_max_s=0.02)

    async def scenario() -> None:
        async with running_gateway([endpoint], tmp_path / "clinic.db", clock=clock) as gateway:
            status = gateway.status()[0]
            await wait_until(lambda: status.reopen_attempts >= 5)  # not there: the same failure
            by_id.write_text("not a port")  # another failure
            tries = status.reopen_attempts
            await wait_until(lambda: status.reopen_attempts >= tries + 5)
            by_id.unlink()
            pty = open_pty()
            os.symlink(pty.slave_path, by_id)  # plugged in
            await wait_until(lambda: status.link_up)
            by_id.unlink()
            await pty.close()  # unplugged again: a new outage
            await wait_until(lambda: not status.link_up)
            tries = status.reopen_attempts
            await wait_until(lambda: status.reopen_attempts >= tries + 3)

    with caplog.at_level(logging.WARNING, logger="devices.gateway"):
        asyncio.run(scenario())
    said = [line.split("; retrying")[0] for line in warning_lines(caplog)]
    assert said == [
        f"device analyzer: cannot open serial port {by_id}: no such port (not plugged in, or a typo: "
        "`triage devices ports` lists this computer's ports)",
        f"device analyzer: cannot open serial port {by_id}: not a serial port (a file or another kind "
        "of device; `triage devices ports` lists this computer's serial ports)",
        said[2],
        f"device analyzer: cannot open serial port {by_id}: no such port (not plugged in, or a typo: "
        "`triage devices ports` lists this computer's ports)",
    ], said
    assert said[2].startswith("device analyzer: open after ") and said[2].endswith(" failed tries"), said
