"""`triage devices listen --json` reads an earlier run's message summary once per message.

Each result handed over again at start (stored, not delivered: the subscriber failed, a crash)
carries its message's count of OBX lines that carried no result, read from the message's stored
row. It was read - a SELECT and a JSON parse of the message's summary - once per result: a batch
of 100,000 results handed over at start did that 100,000 times, 41 times per message of the real
Sysmex XN-550 capture. Now :class:`NoResultCounts` reads each message once.

A live gateway whose subscriber fails stores the messages over loopback TCP into a real SQLite
log; listen's counts then read them through a real gateway on that file (SYNTHETIC patient ids).
"""

from __future__ import annotations

from pathlib import Path

from devices.gateway import Gateway
from referral.inbox import undelivered_results
from referral.schema import connect
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, _endpoint
from tests.devices.gateway.test_hl7_no_result_status import store_undelivered
from tests.devices.gateway.test_hl7_withdrawal import NOW
from triage.cli.devices_result_lines import NoResultCounts

MESSAGES = 3
RESULTS = ("SPO2", "HR", "RR", "TEMP")  # final results of each message, after two lines of none


def _message(n: int) -> bytes:
    segments = [
        f"MSH|^~\\&|MONITOR|WARD|||{NOW}||ORU^R01|CTL-{n}|P|2.5",
        f"PID|1||SIM-P{n}",
        f"OBR|1|SIM-S{n}",
        f"OBX|1|NM|NIBP||||||||I|||{NOW}",
        f"OBX|2|NM|ETCO2||||||||I|||{NOW}",
        *(f"OBX|{i}|NM|{code}||9{i}||||||F|||{NOW}" for i, code in enumerate(RESULTS, 3)),
    ]
    return VT + ("\r".join(segments) + "\r").encode() + FS_CR


def test_an_earlier_run_s_message_summary_is_read_once_for_all_its_results(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    store_undelivered(db_path, [_message(n) for n in range(1, MESSAGES + 1)])
    db = connect(db_path)
    handed_over = undelivered_results(db, limit=1000)
    db.close()
    assert len(handed_over) == MESSAGES * len(RESULTS)
    gateway = Gateway([_endpoint("hl7-monitor")], db_path)  # listen's, not run: its log is open
    read: list[int] = []

    def read_row(message_id: int) -> dict[str, int] | None:
        read.append(message_id)
        return gateway.no_result_of(message_id)

    counts = NoResultCounts(read_row)
    said = [counts.of(result.message_id) for result in handed_over]
    assert said == [{"I": 2}] * len(handed_over)  # each result says its message's count
    assert sorted(read) == sorted({result.message_id for result in handed_over}), "once a message"
