"""A BLE capture's unreadable lines say which byte is wrong and what was expected.

`triage devices replay` named a bad line's first byte only: "GATT line is not ASCII text" (which
byte?), 'value of 2a18: "zz12" is not hex bytes' (a letter, or an odd digit count?), and a glucose
context "without its measurement" did not say what should have come before it. Now each names the
byte in the capture and what was expected. A real capture file (SYNTHETIC readings) replayed
through the CLI with the bundled glucose meter profile.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.cli import main

LINES = [
    b"2a18 zz12\n",  # byte 0: "z" at byte 5
    b"\xff\xfe 2a18 00\n",  # byte 10: not ASCII
    b"2a52 0600010\n",  # byte 21: 7 digits from byte 26
    b"2a34 020200\n",  # byte 34: a context, no measurement before it
    b"2a34 02\n",  # byte 46: a context too short for its sequence number
    b"2a18 " + b"00" * 2100,  # byte 54: a line that never ends
]


def _reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capture = tmp_path / "meter.txt"
    capture.write_bytes(b"".join(LINES))
    assert main(["devices", "replay", str(capture), "--profile", "ble-glucose_meter"]) == 1
    return [
        line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines() if "quarantined (" in line
    ]


def test_each_unreadable_line_says_the_byte_and_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _reasons(tmp_path, capsys) == [
        'byte 0: quarantined (unreadable_line): GATT line at byte 0: value of 2a18: "zz12" is not hex bytes'
        ' (byte 5: "z" is not a hex digit 0-9, a-f)',
        "byte 10: quarantined (unreadable_line): GATT line at byte 10: byte 10 is 0xFF, not ASCII (a device"
        " line is '<uuid> <hex>' or '! <uuid> <code> <text>' in ASCII)",
        'byte 21: quarantined (unreadable_line): GATT line at byte 21: value of 2a52: "0600010" is not hex'
        " bytes (byte 26: 7 hex digits: a value is whole bytes, two digits each)",
        "byte 34: quarantined (stray_value): glucose context for sequence 2 without its measurement"
        " (expected right after the 2a18 measurement of sequence 2, whose flags byte 0 bit 4 announces it)",
        "byte 46: quarantined (stray_value): glucose context of 1 byte: no sequence number (bytes 1-2)",
        "byte 54: quarantined (unreadable_line): GATT line at byte 54: no LF within 4096 bytes (a line ends"
        " with LF)",
    ]


def test_a_value_that_cannot_be_decoded_says_its_byte_is_the_value_s(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record's line at byte 41 of the capture whose 2a18 value ends inside its concentration:
    "glucose concentration at byte 12" read as the capture's byte 12; the value's bytes now."""
    capture = tmp_path / "meter.txt"
    capture.write_bytes(b"# a meter's record cut short (SYNTHETIC)\n2a18 030100e8070c050a1e000000b0\n")
    assert main(["devices", "replay", str(capture), "--profile", "ble-glucose_meter"]) == 1
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "quarantined (" in x]
    assert line.endswith(
        "byte 41: quarantined (unparseable_message): in the 2a18 value of 13 bytes: glucose concentration"
        " at byte 12 needs 2 bytes, only 1 left"
    ), line
