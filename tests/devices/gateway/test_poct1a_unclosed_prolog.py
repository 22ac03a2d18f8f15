"""Over loopback TCP to a live gateway, into a real SQLite file: a POCT1-A2 prolog item never
closed no longer takes the message behind it (tests/devices/codecs/test_poct1a_unclosed_prolog.py
has the framer's and parser's side).

What was wrong: a hello whose XML declaration lacked its ``?>`` ran into the status message's
declaration, so both were framed as one, answered one AE with the hello's control id, and the
status - complete and valid - was never acknowledged; a piece of a declaration before a good
hello got that hello refused. Now the hello is refused alone, naming the declaration and its
byte, and the status is acknowledged and acted on; the piece is quarantined saying what it is,
and the hello after it is acknowledged. So is a hello after a message abandoned half-sent, which
its end tag closed (the two framed as one and refused)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from devices import simulated_poct1a
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_poct1a_conversation import PROFILE, _conversation, _endpoint

HELLO = simulated_poct1a.hello("1")
STATUS = simulated_poct1a.status("2", 1)
UNCLOSED = HELLO.replace(b"?>", b"", 1)
PIECE = b"<?xml vers"
NOT_CLOSED = "the XML declaration at byte 0 is not closed by ?> before <HEL.R01 at byte 36"
HALF = STATUS[:200]  # a status abandoned half-sent: the device began again with its hello
BEGUN_AGAIN = (
    "a POCT1-A2 message begun again: the XML declaration at byte 0 is not closed by ?> before the XML "
    "declaration at byte 10"
)


@pytest.mark.parametrize(
    ("sent", "answers", "quarantined"),
    [
        ([UNCLOSED, STATUS], [("AE", "1"), ("AA", "2")], (UNCLOSED, 0)),
        ([PIECE + HELLO, STATUS], [("AA", "1"), ("AA", "2")], (PIECE, 0)),
        ([HALF + HELLO, STATUS], [("AA", "1"), ("AA", "2")], (HALF, 0)),
    ],
    ids=["declaration without its end", "a piece of one before a hello", "a message begun again"],
)
def test_the_message_behind_an_unclosed_prolog_item_is_answered(
    tmp_path: Path, sent: list[bytes], answers: list[tuple[str, str]], quarantined: tuple[bytes, int]
) -> None:
    db_path = tmp_path / "clinic.db"

    async def scenario() -> list[tuple[str | None, str | None, str | None]]:
        async with running_gateway([_endpoint(PROFILE)], db_path) as gateway:
            got = await _conversation(gateway.listen_address(PROFILE.device_id), sent, 3)  # ACK, ACK, REQ
            await wait_until(lambda: gateway.status()[0].quarantined == 1)
            return [
                (m.message_type, m.value("ACK/ACK.type_cd"), m.value("ACK/ACK.ack_control_id")) for m in got
            ]

    replies = asyncio.run(scenario())
    assert replies == [*(("ACK.R01", code, acked) for code, acked in answers), ("REQ.R01", None, None)]
    with sqlite3.connect(db_path) as conn:
        ((raw, reason, at),) = conn.execute(
            "SELECT raw, reason, byte_offset FROM device_quarantine"
        ).fetchall()
    assert (raw, at) == quarantined
    said = {
        UNCLOSED: NOT_CLOSED,
        PIECE: BEGUN_AGAIN,
        HALF: "DST.R01 at byte 0 without its end tag before the XML",
    }
    assert said[raw] in reason
