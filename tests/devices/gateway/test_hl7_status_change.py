"""HL7 OBX-11 ``U`` is "results status change to final without retransmitting results already sent
as 'preliminary'" (HL7 v2.5 table 0085). It was read as preliminary, so with the key of the stored
preliminary result it was dropped as a resend: the result the laboratory had made final stayed held
"not final" for ever and never reached triage. Now it makes the stored result final, its value
kept (the U sends none), and hands it over for triage.

A live gateway over a loopback TCP socket, a real SQLite log (SYNTHETIC patient ids).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from devices.gateway import GatewayResult
from tests.devices.gateway.test_hl7_withdrawal import _oru, _send
from triage.cli.devices_link import status_line


def test_a_status_change_to_final_makes_the_stored_preliminary_result_final_with_its_value(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    status = _send([_oru("CTL-1", "P"), _oru("CTL-2", "U", value="")], db_path, delivered, 2)
    with sqlite3.connect(db_path) as conn:
        ((row_status, value, value_num, flags, details),) = conn.execute(
            "SELECT status, value, value_num, flags, details FROM device_results"
        )
    assert (row_status, value, value_num) == ("final", "88", 88.0), "final now, the value sent before kept"
    assert "no_value" not in (flags or "")
    assert [v["status"] for v in json.loads(details)["replaced"]] == ["preliminary"]
    held, final = delivered
    assert (held.auto_feed, held.hold_kind) == (False, "not_final")
    assert final.auto_feed and final.result_id == held.result_id and final.stored.value == "88"
    assert (
        "2 messages; 1 new results stored (1 for triage, 0 held); 1 stored results replaced"
        in status_line(status)
    )
