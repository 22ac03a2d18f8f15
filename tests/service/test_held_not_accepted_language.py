"""Why triage did not accept a held device result, on the devices page in the nurse's language:
results handed to the service's real pipeline (real SQLite file), which keeps a code
(``device_results.not_accepted_code``) beside the engine's English sentence; the page says the
reason from that code in Chinese (held.not_accepted_*) with the device's value, unit and code as
sent, and keeps the English sentence beside it as the record (lang="en"). The page never checks the
result again: a result held before the code was kept (NULL) points to its record."""

from __future__ import annotations

import json

from referral.inbox import NOT_ACCEPTED_CODES, NewDeviceResult, mark_delivered
from tests.service.conftest import Staff, unspanned
from tests.service.test_corrections import RESULT_TIME, deliver, rows
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.held import NOT_ACCEPTED_SAYS
from triage.service.pages.rendering import ident


def _result(vendor: str, code: str, value: str, unit: str, sample: str) -> NewDeviceResult:
    return NewDeviceResult(
        device_id="lab-analyzer",
        sample_id=sample,
        vendor_code=vendor,
        result_time=RESULT_TIME,
        status="final",
        is_qc=False,
        patient_id="MRN-HELD",
        code=code,
        value=value,
        value_num=float(value),
        unit=unit,
    )


def _row(page: str, result_id: int) -> str:
    """The result's row as shown (:func:`unspanned`)."""
    return unspanned(page).split('id="held"')[1].split(f'data-result="{result_id}"')[1].split("</tr>")[0]


def _why(row: str) -> str:
    """The why-held cell without its English record."""
    return row.split('class="why"')[1].split('class="error-record"')[0]


def _held_four(staff: Staff) -> tuple[int, int, int, int]:
    """An implausible glucose, a glucose in a unit triage cannot use, and a swapped pressure pair,
    through the real pipeline; delivered (the worklist lists delivered results)."""
    (implausible,) = deliver(staff, _result("GLU", "glucose_random", "600", "mmol/L", "N1"))
    (wrong_unit,) = deliver(staff, _result("GLU", "glucose_random", "7.4", "g", "N2"))
    sbp, dbp = deliver(
        staff,
        _result("SYS", "sbp", "80", "mm[Hg]", "N3"),
        _result("DIA", "dbp", "140", "mm[Hg]", "N3"),
    )
    mark_delivered(staff.app.state.runtime.databases.get(), [implausible, wrong_unit, sbp, dbp])
    return implausible, wrong_unit, sbp, dbp


def test_the_reason_a_result_was_not_accepted_is_in_the_nurses_language(staff: Staff) -> None:
    implausible, wrong_unit, sbp, dbp = _held_four(staff)
    csrf = staff.login(Role.nurse)
    switched = staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    assert switched.status_code == 200, switched.text
    page = staff.client.get("/devices").text

    row = _row(page, implausible)
    glucose = ident("glucose_random")
    assert f"600 mmol/L 超出 {glucose} 的合理范围：请检查设备和样本" in _why(row)
    # the engine's sentence is kept as the record, marked English; the reason itself is not
    assert (
        '系统记录（英文原文，供技术支持）： <span class="not-accepted-record" lang="en">glucose_random: '
        "value 600 mmol/L is outside the plausible range 0.5-60 mmol/L</span>"
    ) in row
    assert 'lang="en"' not in _why(row)

    assert f"单位 g 不能用于 {glucose}" in _why(_row(page, wrong_unit))
    for pressure in (sbp, dbp):
        row = _row(page, pressure)
        assert "同一次测量的舒张压不低于收缩压：是否填反了？" in _why(row)
        assert "dbp 140 mmHg is not below sbp 80 mmHg - were they swapped?</span>" in row

    staff.client.post("/language", data={"csrf_token": csrf, "language": "en"})
    english = _why(_row(staff.client.get("/devices").text, implausible))
    assert f"600 mmol/L is outside the plausible range of {glucose}: check the device" in english


def test_the_pipeline_keeps_a_code_and_the_page_says_the_stored_code_without_checking_again(
    staff: Staff,
) -> None:
    implausible, wrong_unit, sbp, dbp = _held_four(staff)
    stored = {
        r["id"]: r["not_accepted_code"]
        for r in rows(staff, "SELECT id, not_accepted_code FROM device_results ORDER BY id")
    }
    assert stored == {
        implausible: "implausible_value",
        wrong_unit: "unit_not_accepted",
        sbp: "pressures_swapped",
        dbp: "pressures_swapped",
    }
    entries = rows(
        staff,
        "SELECT entity_id, data FROM audit WHERE action = 'device_result.not_accepted' ORDER BY seq",
    )
    assert {int(e["entity_id"]): json.loads(e["data"])["code"] for e in entries} == stored

    db = staff.app.state.runtime.databases.get()
    # what the page says comes from the stored code: the value itself would still be implausible
    db.conn.execute(
        "UPDATE device_results SET not_accepted_code = 'unit_not_accepted' WHERE id = ?", [implausible]
    )
    # a result noted before migration 0023: its English sentence alone, no code
    db.conn.execute("UPDATE device_results SET not_accepted_code = NULL WHERE id = ?", [wrong_unit])
    db.conn.commit()
    staff.login(Role.nurse)
    page = staff.client.get("/devices").text
    glucose = ident("glucose_random")
    assert _why(_row(page, implausible)).count(f"the unit mmol/L cannot be used for {glucose}") == 1
    assert "plausible range" not in _why(_row(page, implausible))
    legacy = _row(page, wrong_unit)
    assert '<small class="not-accepted">see the record beside it</small>' in _why(legacy)
    assert 'lang="en">glucose_random: unit ' in legacy and "is not accepted; use one of: mmol/L" in legacy


def test_every_not_accepted_code_has_a_text_in_both_languages() -> None:
    assert set(NOT_ACCEPTED_SAYS) == set(NOT_ACCEPTED_CODES)
    for language in ("en", "zh"):
        texts = catalogue_data(language)
        for says in (*NOT_ACCEPTED_SAYS.values(), "held.not_accepted_other"):
            assert texts.get(says), (language, says)
