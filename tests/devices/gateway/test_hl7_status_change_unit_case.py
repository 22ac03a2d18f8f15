"""An HL7 status change to final (OBX-11 ``U``, no value) naming the stored value's unit in capitals
that read as another unit case-sensitively does not confirm it.

The inbox compared the U's unit with the stored value's ignoring case (``spelled``), so an eGFR of
61 sent in "mL/min/{1.73_m2}" was made final and fed to triage by a U naming "ML/MIN/{1.73_M2}" -
milli-litres per minute in UCUM's case-insensitive form but mega-litres case-sensitively (a factor
of 10^9), the reading ``devices.unit_case`` holds. Now one rule (``referral.device_results.
same_unit``) decides for both: the stored value stays as sent, not final, held saying both units;
capitals that read as one unit ("MG/DL" for "mg/dL") still confirm it.

A live gateway over a loopback TCP socket, a real SQLite log (SYNTHETIC patient and values).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devices.gateway import GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import profile_from_dict
from devices.transports.link import TcpListenSpec
from tests.devices.gateway.test_conformance_tcp import CLOCK
from tests.devices.gateway.test_hl7_withdrawal import _oru
from tests.devices.gateway.test_hl7_withdrawal import _send as send

PROFILE = profile_from_dict(
    {
        "device_id": "analyzer",
        "protocol": "hl7",
        "timezone": "UTC",
        "synthetic_samples": True,
        "mapping": {
            "GFR": {"code": "egfr", "device_units": ["mL/min/{1.73_m2}"]},
            "GLU": {"code": "glucose_random", "device_units": ["mg/dL"]},
        },
    }
)


def _send(messages: list[bytes], db_path: Path) -> list[GatewayResult]:
    delivered: list[GatewayResult] = []
    endpoint = endpoint_from_profile(PROFILE, clock=CLOCK, transport=TcpListenSpec(port=0))
    send(messages, db_path, delivered, len(messages), endpoint)
    return delivered


def _messages(test: str, value: str, stored_in: str, said: str) -> list[bytes]:
    return [
        _oru("CTL-1", "P", value=value, unit=stored_in).replace(b"|SPO2|", f"|{test}|".encode()),
        _oru("CTL-2", "U", value="", unit=said).replace(b"|SPO2|", f"|{test}|".encode()),
    ]


def test_a_status_change_naming_capitals_that_read_as_mega_does_not_confirm_the_value(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "clinic.db"
    delivered = _send(_messages("GFR", "61", "mL/min/{1.73_m2}", "ML/MIN/{1.73_M2}"), db_path)
    with sqlite3.connect(db_path) as conn:
        ((status, value, flags),) = conn.execute("SELECT status, value, flags FROM device_results")
    assert (status, value) == ("preliminary", "61"), "kept as sent, not made final"
    assert "status_change_unit_conflict" in str(flags)
    held = delivered[-1]
    assert (held.auto_feed, held.hold_kinds) == (False, ("not_final",))
    assert held.hold_reason is not None
    assert (
        'naming unit "ML/MIN/{1.73_M2}", but its value 61 was sent in "mL/min/{1.73_m2}"' in held.hold_reason
    )


@pytest.mark.parametrize(("stored_in", "said"), [("mg/dL", "MG/DL"), ("mg/dL", "mg/dl")])
def test_a_status_change_naming_the_unit_in_a_case_ucum_reads_alike_confirms_the_value(
    stored_in: str, said: str, tmp_path: Path
) -> None:
    db_path = tmp_path / "clinic.db"
    delivered = _send(_messages("GLU", "95", stored_in, said), db_path)
    with sqlite3.connect(db_path) as conn:
        ((status, value, flags),) = conn.execute("SELECT status, value, flags FROM device_results")
    assert (status, value) == ("final", "95")
    assert "status_change_unit_conflict" not in str(flags)
    assert delivered[-1].auto_feed
