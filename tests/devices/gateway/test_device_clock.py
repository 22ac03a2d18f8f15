"""A device clock that is wrong - years ahead, or reset to 2000-01-01 after a flat backup battery -
must not make its results the patient's latest (or long-past) readings: the gateway holds them
for review, naming the device, the test and both times (devices.device_clock, [clock] table)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.gateway import GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import ZONE, hl7_message, sample_from_values, simulator_profile
from devices.transports.link import TcpListenSpec
from tests.devices.gateway.harness import count, running_gateway, wait_until

last_errors: list[str | None] = []  # the gateway's status().last_error after each _deliver


def _deliver(
    tmp_path: Path, times: list[datetime], *, resend: bool = False, **profile: Any
) -> tuple[list[GatewayResult], list[tuple[str, str, str | None]], dict[str, int]]:
    """Send one HL7 message per device time (SpO2 only) to a live gateway over loopback TCP;
    ``resend``: each for the same sample."""
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("hl7-monitor", "monitor", **profile), clock=clock, transport=TcpListenSpec(port=0)
    )
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []

    async def scenario() -> dict[str, int]:
        async with running_gateway([endpoint], db_path, clock=clock, delivered=delivered) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            for n, when in enumerate(times):
                sample_id = "SIM-S0" if resend else f"SIM-S{n}"
                sample = sample_from_values(
                    "hl7-monitor", "SIM-P1", sample_id, {"spo2": 97}, observed_at=when
                )
                writer.write(b"\x0b" + hl7_message(sample, control_id=f"C{n}") + b"\x1c\r")
            await writer.drain()
            await wait_until(lambda: gateway.status()[0].messages == len(times))
            await wait_until(lambda: len(delivered) == count(db_path, "device_results"))
            writer.close()
            last_errors.append(gateway.status()[0].last_error)
            return dict(gateway.status()[0].held)

    held = asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT sample_id, status, flags FROM device_results ORDER BY sample_id"
        ).fetchall()
    return sorted(delivered, key=lambda r: r.stored.sample_id), rows, held


def test_results_timed_years_ahead_or_at_a_reset_clock_are_held_naming_the_device_test_and_both_times(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """They were stored final and fed to triage as timed: a 2031 reading would have been the
    patient's latest for five years, hiding every real one after it."""
    now = datetime.now(ZONE).replace(microsecond=0)
    future = now.replace(year=now.year + 5)
    reset = datetime(2000, 1, 1, 0, 3, tzinfo=ZONE)
    with caplog.at_level(logging.WARNING, logger="devices.gateway"):
        delivered, rows, held = _deliver(tmp_path, [now, future, reset])
    on_time, ahead, old = delivered
    assert on_time.auto_feed and on_time.hold_reason is None
    assert not ahead.auto_feed and not old.auto_feed
    assert held == {"clock": 2}
    assert [(status, flags) for _, status, flags in rows] == [
        ("final", None),
        ("preliminary", "device_time_ahead"),
        ("preliminary", "device_time_old"),
    ]
    for result, when, words in ((ahead, future, "after"), (old, reset, "before")):
        reason = result.hold_reason or ""
        assert reason.startswith(f"device monitor timed result SPO2 {when.isoformat()}, "), reason
        assert f" {words} the gateway received it ({result.stored.received_at})" in reason
        assert reason.endswith(": set it; a person must check this result's time")
        (comment,) = result.stored.details["comments"]
        assert comment.endswith("(device status final)")
    # the gateway's own clock may be the wrong one: the reason says which way to look
    assert "or its time zone wrong (or this computer's clock is behind)" in (ahead.hold_reason or "")
    assert "may have been reset (or this computer's clock is ahead)" in (old.hold_reason or "")
    days = (future - datetime.fromisoformat(ahead.stored.received_at)).days
    assert f", {days} days after the gateway" in (ahead.hold_reason or "")
    warnings = [r.getMessage() for r in caplog.records if "held for review" in r.getMessage()]
    assert len(warnings) == 2 and all("SIM-S" not in w and "SIM-P" not in w for w in warnings)
    assert last_errors[-1] == old.hold_reason  # shown on the service's device panel
    assert warnings[0].startswith("1 result held for review: device monitor timed result SPO2 ")


def test_the_clock_tolerance_is_the_profiles(tmp_path: Path) -> None:
    """[clock] max_ahead and max_age: a monitor 20 minutes fast is held under the default (10
    minutes), accepted when its profile allows an hour; 2 days late is held under the default
    (1 day), accepted under 3."""
    now = datetime.now(ZONE).replace(microsecond=0)
    times = [now + timedelta(minutes=20), now - timedelta(days=2)]
    strict, _, _ = _deliver(tmp_path / "a", times)
    assert [r.auto_feed for r in strict] == [False, False]
    loose, _, _ = _deliver(tmp_path / "b", times, clock={"max_ahead": 3600, "max_age": 3 * 86400})
    assert [r.auto_feed for r in loose] == [True, True]


def test_a_resend_of_a_held_result_is_still_a_duplicate(tmp_path: Path) -> None:
    """The device time is kept as sent: it is part of the exactly-once key."""
    future = datetime.now(ZONE).replace(microsecond=0) + timedelta(days=400)
    delivered, rows, held = _deliver(tmp_path, [future, future], resend=True)
    assert len(delivered) == 1 and held == {"clock": 1}
    assert [(status, flags) for _, status, flags in rows] == [("preliminary", "device_time_ahead")]
