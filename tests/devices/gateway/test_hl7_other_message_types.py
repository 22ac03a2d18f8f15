"""An HL7 message of a type the gateway does not take (ADT^A01) was acknowledged AA, stored with no
results and counted nowhere: the device took it as handled. HL7 v2 ch. 2 rejects a message type
the receiver does not support with AR, its ERR naming table 0357's 200 "Unsupported message
type". Over loopback MLLP to a live gateway: AR, MSA-2 its control id, MSA-3 and the ERR say the
type; the message is kept (evidence) and counted not handled; a result message after it on the
same connection is still AA and stored."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from devices.gateway import DeviceStatus
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, _endpoint, _hl7, msa_fields, read_acks
from triage.cli import main
from triage.cli.devices_result_lines import status_line

ADT = (
    b"MSH|^~\\&|MONITOR|WARD|LIS|CLINIC|20260105083000||ADT^A01|ADT-1|P|2.3.1\r"
    b"PID|1||SIM-P9||SYNTHETIC^PATIENT\r"
)


def answers_to(db_path: Path, wire: bytes, messages: int) -> tuple[list[bytes], DeviceStatus]:
    """``wire`` sent on one connection over loopback MLLP to a live gateway logging to
    ``db_path``: the first ``messages`` answers, and the link's status once it stored as many
    messages."""

    async def scenario() -> tuple[list[bytes], DeviceStatus]:
        async with running_gateway([_endpoint("hl7-monitor")], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            writer.write(wire)
            await writer.drain()
            acks = await read_acks(reader, messages)
            await wait_until(lambda: gateway.status()[0].messages == messages)
            writer.close()
            return acks, gateway.status()[0]

    return asyncio.run(scenario())


def answered_before_a_result(db_path: Path, message: bytes) -> tuple[bytes, bytes, DeviceStatus]:
    """``message`` then a result message (ORU^R01 of sample S1, control id CTL-S1) on one
    connection (:func:`answers_to`): their two answers and the link's status once both are stored."""
    (reject, accept), status = answers_to(db_path, VT + message + FS_CR + VT + _hl7("S1") + FS_CR, 2)
    return reject, accept, status


def test_a_message_of_another_type_is_rejected_ar_naming_it_and_counted_not_handled(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    reject, accept, status = answered_before_a_result(db_path, ADT)
    assert msa_fields(reject)[:3] == ["MSA", "AR", "ADT-1"]
    # the ^ escaped as HL7 escapes a component separator inside a field (\S\)
    assert msa_fields(reject)[3].startswith("message type ADT\\S\\A01 is not supported: the gateway takes")
    err = next(s for s in reject.split(b"\r") if s.startswith(b"ERR")).decode()
    assert err == "ERR|MSH^1^9^200&Unsupported message type&HL70357"
    assert msa_fields(accept)[:3] == ["MSA", "AA", "CTL-S1"]
    assert count(db_path, "device_messages") == 2 and count(db_path, "device_results") == 2
    assert dict(status.unhandled) == {"ADT^A01 message": 1} and status.results == 2
    assert "1 message not handled (1 ADT^A01 message); " in status_line(status)


#: MSH-9 (message type, a required field) left empty by the device: which type it is is not known.
UNTYPED = (
    b"MSH|^~\\&|MONITOR|WARD|LIS|CLINIC|20260105083000|||NOTYPE-1|P|2.5\r"
    b"PID|1||SIM-P9||SYNTHETIC^PATIENT\r"
    b"OBX|1|NM|SPO2||97|%|||||F\r"
)
#: What the AR and replay say of it - they said "message type  is not supported", the type blank,
#: and counted it "not handled (1 )"; and its OBX was stored as a result (replay: "1 result") while
#: the device was told the message was rejected.
UNTYPED_SAID = "MSH-9 (the message type) is empty: the gateway takes results (ORU, OUL)"


def answered_alone(db_path: Path, message: bytes) -> tuple[bytes, DeviceStatus]:
    """``message`` sent alone over loopback MLLP to a live gateway logging to ``db_path``: its one
    answer and the link's status once it is stored."""

    async def scenario() -> tuple[list[bytes], DeviceStatus]:
        async with running_gateway([_endpoint("hl7-monitor")], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            writer.write(VT + message + FS_CR)
            await writer.drain()
            acks = await read_acks(reader, 1)
            await wait_until(lambda: gateway.status()[0].messages == 1)
            writer.close()
            return acks, gateway.status()[0]

    (answer,), status = asyncio.run(scenario())
    return answer, status


def test_a_message_with_an_empty_msh9_is_rejected_saying_msh9_is_empty(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    reject, status = answered_alone(db_path, UNTYPED)
    assert msa_fields(reject)[:3] == ["MSA", "AR", "NOTYPE-1"]
    assert msa_fields(reject)[3] == UNTYPED_SAID, reject
    assert count(db_path, "device_messages") == 1 and count(db_path, "device_results") == 0
    assert dict(status.unhandled) == {"MSH-9 empty message": 1}
    assert "1 message not handled (1 MSH-9 empty message); " in status_line(status)


def test_replay_names_a_message_with_an_empty_msh9_as_the_gateway_counts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "untyped.hl7"
    capture.write_bytes(b"\x0b" + UNTYPED + b"\x1c\r")
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7"])
    _, err = capsys.readouterr()
    said = (
        f"{capture}: byte 1: not handled: MSH-9 (the message type) is empty: the gateway answers it AR"
        " (application reject), stores it with no result and counts it not handled"
    )
    assert said in err, err
    assert "1 message, 0 results" in err and "; 1 message not handled (1 MSH-9 empty); " in err, err
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7", "--json"])
    assert json.loads(capsys.readouterr().out)["unhandled"] == [{"byte_offset": 1, "message_type": ""}]
