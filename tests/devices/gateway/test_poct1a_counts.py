"""A POCT1-A2 meter's counts that are no whole number - ``DSC.max_message_sz`` in its HEL.R01,
``DST.new_observations_qty`` in its DST.R01 - were read with ``float()`` and then ``int()``:
``inf``, ``1e999`` and ``nan`` raised OverflowError or ValueError out of the driver, the session
failed and the gateway closed the connection without a word to the meter, which says hello again
on its next connection and never gets to send its results. Such a message is now stored in
quarantine and refused with AE naming the element and its byte, as any message that does not
parse; the conversation goes on, so the results after it are stored and acknowledged."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from devices import simulated_poct1a
from devices.codecs.poct1a import Poct1aMessage, parse_message
from devices.codecs.poct1a_framing import Poct1aFrame, Poct1aFramer
from devices.decode import decode_message
from devices.poct1a_conversation import Poct1aDriver
from devices.session import Received, Send
from tests.devices.gateway.harness import count, result_keys, running_gateway, wait_until
from tests.devices.gateway.test_poct1a_conversation import PROFILE, _endpoint, _sample

NOT_COUNTS = ["inf", "1e999", "nan", "-1", "2.5", "4 4", "\u0664"]  # the last: ARABIC-INDIC DIGIT FOUR


def _hello(size: str) -> bytes:
    return simulated_poct1a.hello("1").replace(b'"65536"', f'"{size}"'.encode())


def _status(qty: str) -> bytes:
    return simulated_poct1a.status("2", 4).replace(
        b'new_observations_qty V="4"', f'new_observations_qty V="{qty}"'.encode()
    )


@pytest.mark.parametrize("value", NOT_COUNTS)
@pytest.mark.parametrize(
    ("build", "element"), [(_hello, "DSC.max_message_sz"), (_status, "DST.new_observations_qty")]
)
def test_a_count_that_is_no_whole_number_is_stored_and_refused_naming_the_element(
    value: str, build: object, element: str
) -> None:
    assert callable(build)
    raw = build(value)
    driver = Poct1aDriver(PROFILE)
    events = driver.feed(raw, 0.0)
    assert [type(e) for e in events] == [Received, Send] and events[0] == Received(raw, ((0, 0),))
    assert isinstance(events[1], Send)
    ack = parse_message(events[1].data)
    at = raw.index(f"<{element}".encode())
    assert (ack.value("ACK/ACK.type_cd"), ack.value("ACK/ACK.ack_control_id")) == (
        "AE",
        "1" if build is _hello else "2",
    )
    note = ack.value("ACK/ACK.note_txt") or ""
    assert note.startswith(f"byte {at}: {element} ") and "is not a whole number" in note
    # the decoder quarantines it whole, for the same reason at the same byte
    results, (held,) = decode_message(PROFILE, raw, base_offset=100)
    assert results == [] and held.reason == "unparseable_message" and held.byte_offset == 100 + at
    # the conversation goes on: the meter's next observation is stored, then acknowledged AA
    after = driver.feed(simulated_poct1a.observation(_sample("S1"), "9"), 1.0)
    assert isinstance(after[0], Received) and isinstance(after[1], Send)
    assert parse_message(after[1].data).value("ACK/ACK.type_cd") == "AA"


@pytest.mark.parametrize("value", ["0", "4", " 65536 ", "1" + "0" * 400])
def test_whole_numbers_are_read_as_whole_numbers(value: str) -> None:
    """Also one of 401 digits, which read as a float was infinity (OverflowError)."""
    driver = Poct1aDriver(PROFILE)
    assert [type(e) for e in driver.feed(_hello(value), 0.0)] == [Send]
    assert driver.device_max_message == (int(value) or None)
    assert [type(e) for e in driver.feed(_status(value), 1.0)] == [Send, Send]
    assert driver.new_observations == int(value)


async def _replies(reader: asyncio.StreamReader, wanted: int) -> list[Poct1aMessage]:
    """The host's first ``wanted`` messages; fails when it closes the connection before them."""
    framer, got = Poct1aFramer(), []
    while len(got) < wanted:
        data = await asyncio.wait_for(reader.read(4096), 10)
        assert data, f"the gateway closed the connection after {len(got)} of {wanted} answers"
        got += [parse_message(e.data) for e in framer.feed(data) if isinstance(e, Poct1aFrame)]
    return got


def test_over_loopback_tcp_the_meter_is_told_and_its_results_are_stored(tmp_path: Path) -> None:
    """The gateway closed the connection at the HEL.R01 (``session failed: OverflowError``): no
    answer, nothing stored. Now: AE to the hello, the hello in quarantine, the result stored and
    acknowledged on the same connection."""
    db_path = tmp_path / "clinic.db"
    hello = _hello("1e999")

    async def scenario() -> list[tuple[str | None, str | None]]:
        async with running_gateway([_endpoint(PROFILE)], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(PROFILE.device_id))
            writer.write(hello + simulated_poct1a.observation(_sample("S3"), "3"))
            replies = await _replies(reader, 2)
            writer.close()
            await wait_until(lambda: gateway.status()[0].results == 1)
            assert (
                gateway.status()[0].last_error is None
                or "session failed" not in gateway.status()[0].last_error
            )
            return [(m.value("ACK/ACK.type_cd"), m.value("ACK/ACK.ack_control_id")) for m in replies]

    assert asyncio.run(scenario()) == [("AE", "1"), ("AA", "3")]
    assert result_keys(db_path) == [("S3", "Glu", "final")]
    assert count(db_path, "device_quarantine") == 1
    with sqlite3.connect(db_path) as conn:
        raw, reason, offset = conn.execute(
            "SELECT raw, reason, byte_offset FROM device_quarantine"
        ).fetchone()
    assert bytes(raw) == hello and offset == hello.index(b"<DSC.max_message_sz")
    assert 'DSC.max_message_sz "1e999" is not a whole number' in reason
