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
from typing import Any

import pytest

from devices.gateway import GatewayResult
from tests.devices.gateway.test_hl7_withdrawal import _oru, _send
from triage.cli import main
from triage.cli.devices_result_lines import status_line


def _replay_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], capture_bytes: bytes, units: str = '["%"]'
) -> tuple[int, dict[str, Any]]:
    """``triage devices replay --json`` of ``capture_bytes`` with a monitor profile taking SpO2 in
    "%" only (or in the spellings ``units`` lists): its exit code and document."""
    capture = tmp_path / "monitor.hl7"
    capture.write_bytes(capture_bytes)
    profile = tmp_path / "monitor.toml"
    profile.write_text(
        'device_id = "monitor"\nprotocol = "hl7"\ntimezone = "UTC"\n\n'
        f'[mapping."SPO2"]\ncode = "spo2"\nunit = "%"\ndevice_units = {units}\n'
    )
    code = main(["devices", "replay", str(capture), "--profile", str(profile), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("unit", ["%", ""])
def test_a_status_change_to_final_makes_the_stored_preliminary_result_final_with_its_value(
    unit: str, tmp_path: Path
) -> None:
    """The U sends no value, and may send no unit either (OBX-6 empty): neither is taken for one."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    status = _send([_oru("CTL-1", "P"), _oru("CTL-2", "U", value="", unit=unit)], db_path, delivered, 2)
    with sqlite3.connect(db_path) as conn:
        ((row_status, value, value_num, flags, details),) = conn.execute(
            "SELECT status, value, value_num, flags, details FROM device_results"
        )
    assert (row_status, value, value_num) == ("final", "88", 88.0), "final now, the value sent before kept"
    with sqlite3.connect(db_path) as conn:
        quarantined = list(conn.execute("SELECT reason FROM device_quarantine"))
    assert quarantined == [], "a unit the U did not send is no unit problem: nothing to review"
    assert "no_value" not in (flags or "")
    assert [v["status"] for v in json.loads(details)["replaced"]] == ["preliminary"]
    held, final = delivered
    assert (held.auto_feed, held.hold_kind) == (False, "not_final")
    assert final.auto_feed and final.result_id == held.result_id and final.stored.value == "88"
    assert "2 messages; 1 new result stored (1 for triage, 0 held); 1 stored result replaced" in status_line(
        status
    )


def test_replay_takes_a_status_change_to_final_as_the_gateway_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replay read the U as a result with no value (not for triage) where the gateway feeds the
    stored value, final: it now prints that observation, so its counts are listen's."""
    code, document = _replay_json(
        tmp_path, capsys, _oru("CTL-1", "P") + _oru("CTL-2", "U", value="", unit="")
    )
    assert code == 0
    ((value, status),) = [(o["value"], o["status"]) for o in document["observations"]]
    assert (value, status) == (88.0, "final")
    # the preliminary result is replaced by its final version: counted as such, not held
    assert document["quarantined"] == [] and document["not_for_triage"] == {}
    assert len(document["replaced"]) == 1 and document["held"] == {}


def test_a_status_change_to_final_with_nothing_stored_to_change_is_held_saying_so(tmp_path: Path) -> None:
    """A U for a result the gateway never stored (its preliminary sent before the gateway ran)
    carries no value: it went to triage as a final result with none, and triage refused it as
    a value that is no number. It is held, and says why."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "U", value="")], db_path, delivered, 1)
    (result,) = delivered
    assert (result.auto_feed, result.hold_kind) == (False, "not_final")
    assert result.hold_reason == (
        "the device made a result final (HL7 status U) without sending its value, and no preliminary"
        " result with its key (sample, test, time) was stored: check it on the device"
    )


def test_a_status_change_to_final_without_a_unit_and_nothing_stored_is_held_for_that_alone(
    tmp_path: Path,
) -> None:
    """With no unit either (OBX-6 empty), the U's empty unit was quarantined as a unit the profile
    does not take: a row in device_quarantine, held for its unit too, where it sent no value to
    have a unit. It is held for what it is, a U with nothing stored to make final."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "U", value="", unit="")], db_path, delivered, 1)
    (result,) = delivered
    assert (result.auto_feed, result.hold_kinds) == (False, ("not_final",))
    assert result.stored.code == "spo2" and result.stored.details.get("device_unit") is None
    with sqlite3.connect(db_path) as conn:
        assert list(conn.execute("SELECT reason FROM device_quarantine")) == []


@pytest.mark.parametrize("unit", ["%", ""])
def test_replay_holds_a_status_change_to_final_with_nothing_before_it_as_the_gateway_does(
    unit: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replay counted a lone U '1 not for triage (1 no_value, 1 not_final)' where the gateway holds
    it not final alone (nothing stored to make final): now it says why, and counts it as listen does."""
    code, document = _replay_json(tmp_path, capsys, _oru("CTL-1", "U", value="", unit=unit))
    assert code == 0
    assert document["not_for_triage"] == document["held"] == {"not_final": 1}
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "U", value="", unit=unit)], tmp_path / "clinic.db", delivered, 1)
    assert [r.hold_kinds for r in delivered] == [("not_final",)], "the gateway's count, as replay's"


@pytest.mark.parametrize(
    ("unit", "kinds"), [("%", ("not_final", "unexpected_unit")), ("", ("unexpected_unit",))]
)
def test_a_status_change_to_final_keeps_the_unit_problem_of_the_value_it_keeps(
    unit: str, kinds: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A preliminary SpO2 in a unit the profile does not take ("1"), then a U without a value: the
    gateway kept the stored value (code None, for its unit) but dropped its unit problem, so the
    final result was held 'code not mapped' - sending the integrator to a mapping that is there -
    while replay said 'unit not in the profile'. Both now hold it for the unit of the value kept
    (and a U naming "%" for the value sent in "1" does not confirm it: not final either)."""
    messages = [_oru("CTL-1", "P", unit="1"), _oru("CTL-2", "U", value="", unit=unit)]
    delivered: list[GatewayResult] = []
    status = _send(messages, tmp_path / "clinic.db", delivered, 2)
    assert delivered[-1].hold_kinds == kinds
    assert (
        delivered[-1].hold_reason is not None
        and 'device unit "1" of test "SPO2"' in delivered[-1].hold_reason
    )
    code, document = _replay_json(tmp_path, capsys, b"".join(messages))
    assert code == 1, "the preliminary's unit is quarantined, as device_quarantine keeps it"
    assert document["held"] == dict(status.held) == dict.fromkeys(kinds, 1)


def _rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql))


def test_a_status_change_to_final_in_another_unit_is_held_as_a_conflict_not_made_final(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A U without a value that names another unit than the stored value's ("mg/dL" for an SpO2 of
    88 %) was quarantined for its unit (a row in device_quarantine proposing a relabel of SpO2 as
    mg/dL) while it made 88 % final and fed it to triage: the unit it names contradicts the value
    it confirms. Now the stored value stays as sent, not final, held saying both units; no unit of
    the U is quarantined (it sent no value to have one). Replay counts it so."""
    messages = [_oru("CTL-1", "P"), _oru("CTL-2", "U", value="", unit="mg/dL")]
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    status = _send(messages, db_path, delivered, 2)
    ((row_status, value, unit, flags, details),) = _rows(
        db_path, "SELECT status, value, unit, flags, details FROM device_results"
    )
    assert (row_status, value, unit) == ("preliminary", "88", "%"), "kept as sent, not made final"
    assert "status_change_unit_conflict" in str(flags)
    assert json.loads(str(details))["device_unit"] == "%", "the value's own unit, not relabelled"
    assert _rows(db_path, "SELECT reason FROM device_quarantine") == []
    held = delivered[-1]
    assert (held.auto_feed, held.hold_kinds) == (False, ("not_final",))
    assert held.hold_reason == (
        'the device made the result final (HL7 status U) naming unit "mg/dL", but its value 88 was sent'
        ' in "%": the status change does not confirm it - check the result on the device; sent again'
        " as final with its value, it replaces this one"
    )
    assert "1 stored result replaced" in status_line(status)
    code, document = _replay_json(tmp_path, capsys, b"".join(messages))
    assert code == 0 and document["quarantined"] == []
    assert document["held"] == dict(status.held) == {"not_final": 1}
    assert document["observations"] == [] and len(document["replaced"]) == 1


def test_a_status_change_to_final_in_a_spelling_the_profile_lists_confirms_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The profile lists "1" as a spelling of "%": a preliminary in "1" made final by a U naming "%"
    names the same unit - made final, an observation (no conflict)."""
    messages = [_oru("CTL-1", "P", unit="1"), _oru("CTL-2", "U", value="", unit="%")]
    code, document = _replay_json(tmp_path, capsys, b"".join(messages), units='["%", "1"]')
    assert code == 0 and document["held"] == {}
    assert [(o["value"], o["unit"], o["status"]) for o in document["observations"]] == [(88.0, "%", "final")]


def test_a_status_change_to_final_in_an_unlisted_unit_with_nothing_stored_is_not_quarantined(
    tmp_path: Path,
) -> None:
    """A lone U naming a unit the profile does not take had that unit quarantined (a relabel
    proposed for a value it never sent); it is held for what it is, nothing stored to make final."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "U", value="", unit="mg/dL")], db_path, delivered, 1)
    (result,) = delivered
    assert (result.auto_feed, result.hold_kinds) == (False, ("not_final",))
    assert _rows(db_path, "SELECT reason FROM device_quarantine") == []


def test_a_status_change_to_final_in_the_same_unit_written_differently_confirms_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A U naming the stored value's unit in another spelling ("mmHg" for a systolic pressure sent
    in "mm[Hg]", "mg/dl" for a glucose in "mg/dL") was held as a unit conflict, the result never
    made final: the units were compared letter for letter. The same unit written differently
    (devices.mapping's spelling rule, now referral.device_results.same_unit) confirms it - live over
    loopback TCP and in replay alike; another unit is still a conflict (the test above)."""
    sbp = [
        _oru("CTL-1", "P", unit="mm[Hg]").replace(b"|SPO2|", b"|SBP|"),
        _oru("CTL-2", "U", value="", unit="mmHg").replace(b"|SPO2|", b"|SBP|"),
    ]
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send(sbp, db_path, delivered, 2)
    ((row_status, value, flags),) = _rows(db_path, "SELECT status, value, flags FROM device_results")
    assert (row_status, value) == ("final", "88")
    assert "status_change_unit_conflict" not in str(flags)
    assert delivered[-1].auto_feed
    glucose = [
        _oru("CTL-1", "P", value="95", unit="mg/dL").replace(b"|SPO2|", b"|GLU|"),
        _oru("CTL-2", "U", value="", unit="mg/dl").replace(b"|SPO2|", b"|GLU|"),
    ]
    capture = tmp_path / "analyzer.hl7"
    capture.write_bytes(b"".join(glucose))
    profile = tmp_path / "analyzer.toml"
    profile.write_text(
        'device_id = "analyzer"\nprotocol = "hl7"\ntimezone = "UTC"\n\n'
        '[mapping."GLU"]\ncode = "glucose_random"\nunit = "mg/dL"\n'
    )
    assert main(["devices", "replay", str(capture), "--profile", str(profile), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["held"] == {}
    assert [(o["status"], o["unit"]) for o in document["observations"]] == [("final", "mmol/L")]
