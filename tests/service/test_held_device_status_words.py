"""The devices page's held worklist says what the device's status means, in English and in Chinese:
an ASTM ``W`` ("warning: validity is questionable", the real Pentra XLR capture) and an HL7 ``W``
("post original as wrong", HL7 table 0085) were both shown as "Not final" / 非最终结果. And an HL7 W
of a reading already used for a patient takes it out of the decision, kept and said so.

Real service, real SQLite file, the real inbox and the real pipeline.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from referral import review
from referral.inbox import mark_delivered
from tests.devices.test_held_unit_reason import store_pentra
from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, result, rows, used_glucose
from tests.service.test_held_unit_sentence import _why
from triage.service.auth import Role

RECEIVED = datetime.now(UTC).isoformat(timespec="microseconds")


def _pages(staff: Staff) -> tuple[str, str]:
    """The devices page in English, then in Chinese."""
    csrf = staff.login(Role.nurse)
    english = staff.client.get("/devices").text
    switched = staff.client.post(
        "/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False
    )
    assert switched.status_code == 303
    return english, staff.client.get("/devices").text


def test_a_result_the_device_marks_questionable_is_not_shown_as_not_final(staff: Staff) -> None:
    db = staff.app.state.runtime.databases.get()
    stored = store_pentra(db, RECEIVED)
    mark_delivered(db, [r.id for r in stored])
    wbc = next(r for r in stored if r.vendor_code == "WBC")
    english, chinese = _pages(staff)
    assert "Validity questionable: the device marked it so (ASTM status W)" in _why(english, wbc.id)
    assert "Not final" not in _why(english, wbc.id)
    assert "结果有效性存疑：设备如此标记（ASTM 状态 W）" in _why(chinese, wbc.id)
    assert "非最终结果" not in _why(chinese, wbc.id)


def test_a_reading_the_device_posts_as_wrong_leaves_the_decision_and_is_shown_withdrawn(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    encounter_id = int(encounter["encounter_id"])
    assert used_glucose(staff, encounter_id) == [28.0]

    assert deliver(staff, result("28.0", "withdrawn")) == [result_id], "the inbox marks the row"
    assert used_glucose(staff, encounter_id) == [], "sent for the wrong patient: no longer used"
    original = rows(
        staff, "SELECT value_num FROM observations WHERE device_message_id = ?", f"inbox:{result_id}"
    )
    assert [o["value_num"] for o in original] == [28.0], "kept, not deleted"
    (correction,) = rows(staff, "SELECT state, held_reason FROM observation_corrections")
    assert correction["state"] == "held"
    assert "the device withdrew the result (HL7 status W, posted as wrong" in correction["held_reason"]

    english, chinese = _pages(staff)
    assert "Withdrawn by the device: a reading already stored for a patient (HL7 status W" in _why(
        english, result_id
    )
    assert "设备已撤回已存入患者记录的结果（HL7 状态 W：标为错误" in _why(chinese, result_id)


def test_a_withdrawal_of_a_result_never_used_is_shown_withdrawn_not_not_final(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0", patient_id=None))  # held: no patient link
    assert deliver(staff, result("28.0", "withdrawn", patient_id=None)) == [result_id]
    english, chinese = _pages(staff)
    assert "Withdrawn by the device (HL7 status W, posted as wrong" in _why(english, result_id)
    assert "Not final" not in _why(english, result_id)
    assert "设备已撤回（HL7 状态 W：标为错误" in _why(chinese, result_id)
    db = staff.app.state.runtime.databases.get()
    (held,) = [h for h in review.held_results(db) if h.result.id == result_id]
    assert held.as_dict()["why_text"][0].startswith("withdrawn by the device (HL7 status W, posted as wrong")


def test_a_value_the_device_deleted_is_shown_deleted(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0", patient_id=None))  # held: no patient link
    deleted = replace(
        result("28.0", "withdrawn", patient_id=None), value="", value_num=None, flags="delete_value"
    )
    assert deliver(staff, deleted) == [result_id]
    english, chinese = _pages(staff)
    assert 'Deleted by the device: it sent "" for the value (delete the stored value)' in _why(
        english, result_id
    )
    assert '设备已删除：设备发送的数值为 ""（删除已存数值）' in _why(chinese, result_id)
    db = staff.app.state.runtime.databases.get()
    (held,) = [h for h in review.held_results(db) if h.result.id == result_id]
    assert held.as_dict()["why_text"][0].startswith('deleted by the device: it sent "" for the value')
