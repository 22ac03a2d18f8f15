"""A blood-pressure (2a35) value that cannot be decoded says, as a glucose (2a18) one does, that its
byte numbers are the value's: "in the 2a35 value of N bytes: ...".

``devices.codecs.gatt.bp_results`` quarantined its own decode errors, so replay's line said
"flags 0x06 announce 11 bytes, got 9" with no characteristic and no length, where the 2a18 line
said "in the 2a18 value of 13 bytes: glucose concentration at byte 12 ...". Now every
characteristic's error is said by ``devices.codecs.gatt_records`` alike. A real capture file
(SYNTHETIC readings) replayed through the CLI with the bundled BLE blood-pressure profile.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.cli import main


@pytest.mark.parametrize(
    ("value", "says"),
    [
        # flags 0x06: time stamp and pulse announced, the pulse cut off
        (
            "06800082006100e8070b190a1e05",
            "in the 2a35 value of 14 bytes: flags 0x06 announce 16 bytes, got 14",
        ),
        (
            "0080008200",
            "in the 2a35 value of 5 bytes: blood pressure measurement needs at least 7 bytes, got 5",
        ),
        (
            "02800082006100e8070d190a1e05",
            "in the 2a35 value of 14 bytes: time stamp 2024-13-25 10:30:5: month must be in 1..12",
        ),
    ],
)
def test_a_blood_pressure_value_that_cannot_be_decoded_names_the_value(
    value: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "monitor.txt"
    capture.write_bytes(b"# a monitor's reading cut short (SYNTHETIC)\n2a35 " + value.encode() + b"\n")
    assert main(["devices", "replay", str(capture), "--profile", "ble-bp_monitor"]) == 1
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "quarantined (" in x]
    assert line.endswith(f"byte 44: quarantined (unparseable_message): {says}"), line
