"""An HL7 message whose MSH-9 holds only spaces (a fixed-width sender's padding: ``|   |``, or
``| ^ |``) has no message type, as an empty one has (cf654ba0), and is answered and counted so.

cf654ba0 made an empty MSH-9 say "MSH-9 (the message type) is empty" in the AR, in ``triage devices
listen``'s counts and in replay; but the type it tested was MSH-9's components as sent, so a blank
one - read as empty everywhere else (``Hl7Message.message_type`` strips it) - still went out as the
type itself: the AR said "message type     is not supported", listen counted "1    message" and
replay "not handled: message type     is not supported ... (1    )". Over loopback MLLP to a live
gateway and SQLite log, and through the real replay CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.devices.gateway.harness import count
from tests.devices.gateway.test_conformance_tcp import msa_fields
from tests.devices.gateway.test_hl7_other_message_types import UNTYPED_SAID, answered_alone
from triage.cli import main
from triage.cli.devices_result_lines import status_line

BLANK = ["   ", " ^ "]


def _untyped(msh9: str) -> bytes:
    return (
        f"MSH|^~\\&|MONITOR|WARD|LIS|CLINIC|20260105083000||{msh9}|BLANK-1|P|2.5\r"
        "PID|1||SIM-P9||SYNTHETIC^PATIENT\r"
        "OBX|1|NM|SPO2||97|%|||||F\r"
    ).encode()


@pytest.mark.parametrize("msh9", BLANK, ids=["spaces", "spaces around a component separator"])
def test_a_message_whose_msh9_is_blank_is_rejected_saying_msh9_is_empty(tmp_path: Path, msh9: str) -> None:
    db_path = tmp_path / "clinic.db"
    reject, status = answered_alone(db_path, _untyped(msh9))
    assert msa_fields(reject)[:3] == ["MSA", "AR", "BLANK-1"]
    assert msa_fields(reject)[3] == UNTYPED_SAID, reject
    assert count(db_path, "device_messages") == 1 and count(db_path, "device_results") == 0
    assert dict(status.unhandled) == {"MSH-9 empty message": 1}
    assert "1 message not handled (1 MSH-9 empty message); " in status_line(status)


@pytest.mark.parametrize("msh9", BLANK, ids=["spaces", "spaces around a component separator"])
def test_replay_names_a_message_whose_msh9_is_blank_as_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], msh9: str
) -> None:
    capture = tmp_path / "blank.hl7"
    capture.write_bytes(b"\x0b" + _untyped(msh9) + b"\x1c\r")
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7"])
    _, err = capsys.readouterr()
    assert f"{capture}: byte 1: not handled: MSH-9 (the message type) is empty: the gateway answers" in err, (
        err
    )
    assert "1 message, 0 results" in err and "; 1 message not handled (1 MSH-9 empty); " in err, err
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7", "--json"])
    assert json.loads(capsys.readouterr().out)["unhandled"] == [{"byte_offset": 1, "message_type": ""}]


def test_a_typed_message_keeps_its_type_without_the_padding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "adt.hl7"
    capture.write_bytes(b"\x0b" + _untyped(" ADT ^ A01 ") + b"\x1c\r")
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7", "--json"])
    assert json.loads(capsys.readouterr().out)["unhandled"] == [{"byte_offset": 1, "message_type": "ADT^A01"}]
