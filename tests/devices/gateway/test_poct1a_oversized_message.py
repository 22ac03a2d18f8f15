"""A POCT1-A2 message longer than ``[poct1a] max_message_size`` is quarantined cut, not lost.

What was wrong: such a message was ``Discarded`` - a warning line and the ``discarded`` count, its
bytes stored nowhere: an integrator could not see what the meter sent (the defect 38b94313 fixed
for MLLP). Now its first ``max_message_size`` bytes are stored in ``device_quarantine``, as stray
bytes are, its own row saying it was cut at the limit, that the rest up to its end tag is not
stored and that the meter was sent nothing for it (no ACK, so it may send it again); the next
message on the connection is taken as usual. The limit is the message's: a message over it is cut
whether its end tag came in the same read or a later one. Over loopback TCP to a live gateway,
into a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from devices import simulated_poct1a
from devices.codecs.poct1a import parse_message
from devices.codecs.poct1a_framing import Poct1aFramer, Poct1aOverflow
from tests.devices.gateway.harness import count, result_keys, running_gateway, wait_until
from tests.devices.gateway.test_poct1a_conversation import (
    _conversation,
    _DeviceEnd,
    _endpoint,
    _profile,
    _sample,
)

LIMIT = 1024
PROFILE = _profile(max_message_size=LIMIT)
HELLO = simulated_poct1a.hello("1")
GOOD = simulated_poct1a.observation(_sample("S3"), "3")
#: an observation with a long note: the meter's own, 2 KiB over the limit
NOTE = b'<NTE><NTE.text V="' + b"n" * (LIMIT + 2048) + b'"/></NTE>'
BIG = simulated_poct1a.observation(_sample("S2"), "2").replace(b"</OBS.R01>", NOTE + b"</OBS.R01>")
SAID = (
    f"POCT1-A2 message OBS.R01 at byte {len(HELLO)} over the size limit of {LIMIT} bytes (profile "
    f"[poct1a] max_message_size): cut, its first {LIMIT} bytes kept here, the rest up to its end tag "
    "not stored; not acknowledged (the device was sent nothing for it), so it may send it again"
)


@pytest.mark.parametrize("one_write", [True, False], ids=["one write", "message by message"])
def test_a_message_over_the_limit_is_quarantined_cut_and_the_next_one_is_stored(
    tmp_path: Path, one_write: bool
) -> None:
    assert len(HELLO) < LIMIT and len(GOOD) < LIMIT and BIG.endswith(b"</OBS.R01>")
    db_path = tmp_path / "clinic.db"

    async def scenario() -> list[tuple[str | None, str | None]]:
        async with running_gateway([_endpoint(PROFILE)], db_path) as gateway:
            address = gateway.listen_address(PROFILE.device_id)
            if one_write:
                got = await _conversation(address, [HELLO, BIG, GOOD], 2)
            else:  # after the hello's ACK, the big one in writes of 300 bytes, as a slow link brings it
                device = await _DeviceEnd.connect(address)
                device.writer.write(HELLO)
                await device.read(1)
                for piece in [BIG[i : i + 300] for i in range(0, len(BIG), 300)] + [GOOD]:
                    device.writer.write(piece)
                    await device.writer.drain()
                await device.read(2)
                device.writer.close()
                got = device.got
            await wait_until(lambda: gateway.status()[0].results == 1)  # the big one came before it
            status = gateway.status()[0]
            assert (status.discarded, status.quarantined) == (0, 1)
            return [(m.value("ACK/ACK.type_cd"), m.value("ACK/ACK.ack_control_id")) for m in got]

    assert asyncio.run(scenario()) == [("AA", "1"), ("AA", "3")]  # none for the big one (2)
    assert result_keys(db_path) == [("S3", "Glu", "final")]
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT raw, reason, byte_offset FROM device_quarantine").fetchall()
    assert rows == [(BIG[:LIMIT], SAID, len(HELLO))]  # the limit's worth, from its first byte
    assert count(db_path, "device_results") == 1


@pytest.mark.parametrize("extra", [0, 1])
def test_the_limit_is_the_message_s_whatever_the_reads(extra: int) -> None:
    """A message of exactly the limit is taken, one byte over it cut - in one read or byte by byte."""
    body = simulated_poct1a.observation(_sample("S4"), "4")
    pad = LIMIT - len(body) + extra - len(b'<NTE><NTE.text V=""/></NTE>')
    raw = body.replace(b"</OBS.R01>", b'<NTE><NTE.text V="' + b"n" * pad + b'"/></NTE></OBS.R01>')
    assert len(raw) == LIMIT + extra
    one_read = Poct1aFramer(LIMIT).feed(raw + GOOD)
    framer = Poct1aFramer(LIMIT)
    by_byte = [e for i in range(len(raw + GOOD)) for e in framer.feed((raw + GOOD)[i : i + 1])]
    assert one_read == by_byte
    first = one_read[0]
    if extra:
        assert first == Poct1aOverflow("OBS.R01", LIMIT, 0, raw[:LIMIT])
    else:
        assert parse_message(getattr(first, "data", b"")).control_id == "4"
    assert getattr(one_read[1], "data", None) == GOOD
