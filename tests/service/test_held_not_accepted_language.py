"""Why triage did not accept a held device result, on the devices page in the nurse's language:
results handed to the service's real pipeline (real SQLite file), which keeps the engine's English
sentence; the page says the reason in Chinese (held.not_accepted_*) with the device's value, unit
and code as sent, and keeps the English sentence beside it as the record (lang="en")."""

from __future__ import annotations

from referral.inbox import NewDeviceResult, mark_delivered
from tests.service.conftest import Staff
from tests.service.test_corrections import RESULT_TIME, deliver
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.held import NOT_ACCEPTED_KINDS
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
    return page.split('id="held"')[1].split(f'data-result="{result_id}"')[1].split("</tr>")[0]


def _why(row: str) -> str:
    """The why-held cell without its English record."""
    return row.split('class="why"')[1].split('class="error-record"')[0]


def test_the_reason_a_result_was_not_accepted_is_in_the_nurses_language(staff: Staff) -> None:
    (implausible,) = deliver(staff, _result("GLU", "glucose_random", "600", "mmol/L", "N1"))
    (wrong_unit,) = deliver(staff, _result("GLU", "glucose_random", "7.4", "g", "N2"))
    sbp, dbp = deliver(
        staff,
        _result("SYS", "sbp", "80", "mm[Hg]", "N3"),
        _result("DIA", "dbp", "140", "mm[Hg]", "N3"),
    )
    # the gateway marks what it handed to triage delivered; the worklist lists delivered results
    mark_delivered(staff.app.state.runtime.databases.get(), [implausible, wrong_unit, sbp, dbp])
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


def test_every_kind_of_not_accepted_has_a_text_in_both_languages() -> None:
    for language in ("en", "zh"):
        texts = catalogue_data(language)
        assert all(texts.get(f"held.not_accepted_{kind}") for kind in NOT_ACCEPTED_KINDS), language
