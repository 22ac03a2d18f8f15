"""A blood-pressure (2a35) result the profile cannot use is quarantined with the stored record, as
a thermometer's, oximeter's or scale's is: ``devices.codecs.gatt.bp_results`` handed build_result
the value's binary bytes as the quarantine item's raw bytes, where the others hand the record's
GATT lines (what the message stored is, and what the item's byte offset counts in). A real profile
file (the bundled monitor's, its pulse not mapped) and GATT lines as a capture holds them
(SYNTHETIC reading).
"""

from __future__ import annotations

from pathlib import Path

from devices.codecs import gatt_records
from devices.profile import load_profile

BUNDLED = Path(__file__).parents[3] / "devices/profiles/ble-bp_monitor.toml"


def test_an_unmapped_pulse_is_quarantined_with_the_whole_record(tmp_path: Path) -> None:
    text = BUNDLED.read_text()
    pulse = '[mapping."PR"]\ncode = "heart_rate"\nunit = "/min"\n'
    assert pulse in text
    site = tmp_path / "monitor.toml"
    site.write_text(text.replace(pulse, ""))
    # flags 0x04 (pulse, mmHg): 128/82 mmHg, mean 97, pulse 72 - SFLOATs with exponent 0
    record = b"2a35 04800052006100480000\n"
    results, problems = gatt_records.decode_message(load_profile(str(site)), record, base_offset=44)
    assert [(r.vendor_code, r.value) for r in results] == [
        ("SYS", "128"),
        ("DIA", "82"),
        ("MAP", "97"),
        ("PR", "72"),
    ]
    (held,) = problems
    assert (held.reason, held.byte_offset) == ("unmapped_code", 44)
    assert held.raw == record
