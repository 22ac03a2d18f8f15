"""An HL7 message whose MSH-9.1 (the message type) is empty but whose MSH-9.2 (the trigger event) is
not, ``|^R01|``, is answered and replayed saying MSH-9.1 is empty, as an empty MSH-9 says MSH-9 is.

Its type was read as ``^R01``, and the AR and ``triage devices replay`` said "message type ^R01 is not
supported" - a type that does not exist, the empty part unnamed. Over loopback MLLP to a live gateway
and SQLite log, and through the real replay CLI (tests/devices/gateway/test_hl7_blank_msh9.py's
style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devices.gateway.harness import count
from tests.devices.gateway.test_conformance_tcp import msa_fields
from tests.devices.gateway.test_hl7_other_message_types import answered_alone
from triage.cli import main

SAID = "MSH-9.1 (the message type) is empty"


def _typeless(msh9: str) -> bytes:
    return (
        f"MSH|^~\\&|MONITOR|WARD|LIS|CLINIC|20260105083000||{msh9}|TYPELESS-1|P|2.5\r"
        "PID|1||SIM-P9||SYNTHETIC^PATIENT\r"
        "OBX|1|NM|SPO2||97|%|||||F\r"
    ).encode()


@pytest.mark.parametrize("msh9", ["^R01", " ^R01"], ids=["empty", "blank"])
def test_a_message_whose_msh9_1_is_empty_is_rejected_saying_so(tmp_path: Path, msh9: str) -> None:
    db_path = tmp_path / "clinic.db"
    reject, _ = answered_alone(db_path, _typeless(msh9))
    assert msa_fields(reject)[:3] == ["MSA", "AR", "TYPELESS-1"]
    assert msa_fields(reject)[3] == f"{SAID}: the gateway takes results (ORU, OUL)", reject
    err = next(s for s in reject.split(b"\r") if s.startswith(b"ERR")).decode()
    assert err.startswith("ERR||MSH^1^9|200^Unsupported message type^HL70357|") and SAID in err, err
    assert count(db_path, "device_messages") == 1 and count(db_path, "device_results") == 0


def test_replay_names_the_empty_msh9_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "typeless.hl7"
    capture.write_bytes(b"\x0b" + _typeless("^R01") + b"\x1c\r")
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7"])
    _, err = capsys.readouterr()
    assert f"{capture}: byte 1: not handled: {SAID}: the gateway answers" in err, err
    assert "message type ^R01" not in err, err


def test_a_typed_message_still_names_its_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "adt.hl7"
    capture.write_bytes(b"\x0b" + _typeless("ADT^A01") + b"\x1c\r")
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7"])
    assert "not handled: message type ADT^A01 is not supported: " in capsys.readouterr().err
