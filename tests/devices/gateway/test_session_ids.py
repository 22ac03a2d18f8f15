"""Session ids are unique across gateway restarts: a gateway restarted within the same second (the
sequence number starts at 1 again) gets a new id, so it never appends to the earlier session's
wire log. Real gateway, real pty, real SQLite file; the clock frozen in one second."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import pytest

import devices.gateway
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.transports.link import SerialSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import count, running_gateway, wait_until

FROZEN = datetime(2026, 12, 5, 3, 15, 0, 250000, tzinfo=UTC)


class _OneSecond(datetime):
    """Every ``now()`` in the same second, as two gateway runs started in quick succession see it."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _OneSecond:
        return cls.fromtimestamp(FROZEN.timestamp(), tz)


def test_a_gateway_restarted_within_the_same_second_starts_new_sessions_and_wire_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices.gateway, "datetime", _OneSecond)
    db_path, wire = tmp_path / "clinic.db", tmp_path / "wire"
    profile = load_profile("bp-monitor")
    pty = open_pty()
    clock = MonotonicClock()
    lines = (b"BP,202612051030,128,82,97,74\r\n", b"BP,202612051035,131,84,99,71\r\n")

    async def run_once(line: bytes, messages: int) -> None:
        endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire) as gateway:
            await wait_until(lambda: gateway.status()[0].link_up)
            await pty.write(line)
            await wait_until(lambda: count(db_path, "device_messages") == messages)

    async def scenario() -> None:
        await run_once(lines[0], 1)
        await run_once(lines[1], 2)  # restarted: its session sequence starts at 1 again
        await pty.close()

    asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        sessions = [row[0] for row in conn.execute("SELECT session_id FROM device_messages ORDER BY id")]
    assert len(sessions) == 2 and sessions[0] != sessions[1], sessions
    assert all(s.startswith("20261205T031500-") and s.endswith("-0001") for s in sessions)
    logs = sorted((wire / profile.device_id).glob("*.wire.log"))
    assert [p.name for p in logs] == sorted(f"{s}.wire.log" for s in sessions)
    for session, line in zip(sessions, lines, strict=True):
        text = (wire / profile.device_id / f"{session}.wire.log").read_text()
        assert text.count("-- session open on") == 1, "one session per file"
        other = lines[1] if line == lines[0] else lines[0]
        assert line.decode().strip()[:17] in text and other.decode().strip()[:17] not in text
