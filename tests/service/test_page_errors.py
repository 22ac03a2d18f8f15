"""What the staff pages say when a form cannot be done, in the user's language (the English the
API and the log keep is shown under it), and the guard against a second open referral for one
visit, on the page and on the API. Real service, real SQLite, forms with CSRF."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.service.conftest import Staff
from tests.service.test_page_wording import _walk_in  # an emergency walk-in
from triage.service.auth import Role


def _chinese(staff: Staff, role: Role) -> str:
    csrf = staff.login(role)
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    return csrf


def _alert(page: str) -> str:
    return page.split('<p class="error" role="alert">')[1].split("</p>")[0]


def _proposed(staff: Staff, made: dict[str, Any]) -> int:
    """A referral proposed for the walk-in (over the API, as a clinician's tool would)."""
    body = {"assessment_id": made["id"], "to_facility": "county-hospital", "urgency": "emergency"}
    referred = staff.client.post(
        "/api/v1/referrals", json={**body, "reason": "SpO2 86"}, headers=staff.bearer(Role.clinician)
    )
    assert referred.status_code == 201, referred.text
    return int(referred.json()["id"])


def _refer(staff: Staff, assessment_id: int, **extra: Any) -> httpx.Response:
    """A clinician's urgent referral of the assessment to the county hospital, over the API."""
    body = {
        "assessment_id": assessment_id,
        "to_facility": "county-hospital",
        "urgency": "urgent",
        "reason": "BP",
    }
    return staff.client.post("/api/v1/referrals", json=body | extra, headers=staff.bearer(Role.clinician))


def test_a_closed_visit_s_refusal_reads_in_chinese_with_the_english_under_it(staff: Staff) -> None:
    made = _walk_in(staff, "ERR-1")
    encounter = made["encounter_id"]
    closed = staff.client.post(
        f"/api/v1/encounters/{encounter}/close",
        json={"reason": "went home", "without_referral": True},
        headers=staff.bearer(Role.clinician),
    )
    assert closed.status_code == 200, closed.text
    csrf = _chinese(staff, Role.clinician)
    page = staff.client.post(
        f"/encounters/{encounter}/readings", data={"csrf_token": csrf, "code": "spo2", "value": "95"}
    )
    assert page.status_code == 409
    alert = _alert(page.text)
    assert (
        "该就诊已于" in alert
        and "由 clinician 结束（went home）" in alert
        and "请为该患者开启新的就诊" in alert
    )
    assert "open a new encounter" not in alert
    assert "open a new encounter" in page.text.split('class="error-detail">')[1], "the English under it"
    assert '<a href="/encounters/' in page.text and "返回患者页面" in page.text
    # the same refusal on the API: the English text and its code, unchanged for integrators
    api = staff.client.post(
        f"/api/v1/encounters/{encounter}/observations",
        json=[{"code": "spo2", "value": 95, "unit": "%"}],
        headers=staff.bearer(Role.nurse),
    )
    assert api.status_code == 409 and api.json()["code"] == "conflict"
    assert api.json()["error"].endswith("(went home); open a new encounter")
    # closing it again, and the other forms' refusals
    again = staff.client.post(f"/encounters/{encounter}/close", data={"csrf_token": csrf, "reason": "again"})
    assert again.status_code == 409 and "该就诊已结束" in _alert(again.text)
    override = staff.client.post(
        f"/assessments/{made['id']}/override",
        data={"csrf_token": csrf, "disposition": "routine_referral", "reason": " "},
    )
    # each says which reason was missing, beside its field on the patient page (below)
    assert override.status_code == 422 and "请填写更改处置决定的理由（“理由”一栏为空）。" in override.text
    refer = staff.client.post(
        f"/assessments/{made['id']}/refer",
        data={"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "urgent", "reason": ""},
    )
    assert refer.status_code == 422 and "请填写转诊理由（“转诊理由”一栏为空）。" in refer.text


def _field_error(page: str, form: str, field: str) -> str:
    """The error beside ``field`` of the patient page's ``form`` (its text, the sign left out);
    the field must be marked, described by it and focused."""
    section = page.split(f'id="{form}-form"')[1].split("</form>")[0]
    control = section.split(f'name="{field}"')[1].split(">")[0]
    assert 'aria-invalid="true"' in control and "autofocus" in control, control
    # the error last among what describes the field (the close's reason: what closing does, first)
    assert re.search(rf'aria-describedby="(?:[\w-]+ )*{form}-{field}-error"', control), control
    shown = section.split(f'<p class="field-error" id="{form}-{field}-error">')[1].split("</p>")[0]
    return shown.split("</span>", 1)[1].split('<span class="error-record">')[0].strip()


def _sent_back(staff: Staff, path: str, data: dict[str, str], form: str, said: str) -> str:
    """The patient page a form with an empty reason comes back on (422), ``said`` beside the
    reason field of ``form``; the page."""
    page = staff.client.post(path, data=data)
    assert page.status_code == 422, page.text
    assert _field_error(page.text, form, "reason") == said
    return page.text


def test_an_empty_override_or_referral_reason_is_said_beside_the_field_with_the_form_kept(
    staff: Staff,
) -> None:
    """A GP who sent the override or referral form with no reason (spaces pass the browser's
    check) got an error page - no form, "Back to the patient", the choice made gone from view.
    The patient page now comes back (422) with the error beside the reason field, the field marked
    and focused, the decision, hospital and urgency chosen kept; nothing is stored."""
    made = _walk_in(staff, "ERR-REASON")
    csrf = _chinese(staff, Role.clinician)
    override = _sent_back(
        staff,
        f"/assessments/{made['id']}/override",
        {"csrf_token": csrf, "disposition": "local_care", "reason": "   "},
        "override",
        "请填写更改处置决定的理由（“理由”一栏为空）。",
    )
    assert '<option value="local_care" selected>' in override.split('id="override-form"')[1]
    assert 'id="patient-form"' in override, "the whole patient page, not the error page"
    refer = _sent_back(
        staff,
        f"/assessments/{made['id']}/refer",
        {"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "routine", "reason": ""},
        "refer",
        "请填写转诊理由（“转诊理由”一栏为空）。",
    )
    form = refer.split('id="refer-form"')[1]
    assert '<option value="routine" selected>' in form and '<option value="emergency">' in form
    assert '<option value="county-hospital" selected>' in form
    # nothing was stored: the engine's decision stands, no referral was made
    stored = staff.client.get("/api/v1/referrals", headers=staff.bearer(Role.clinician)).json()
    assert not [r for r in stored if r["encounter_id"] == made["encounter_id"]]
    assert (
        staff.app.state.runtime.databases.get()
        .conn.execute("SELECT count(*) FROM overrides WHERE assessment_id = ?", [made["id"]])
        .fetchone()[0]
        == 0
    )


def test_an_empty_reason_for_closing_the_visit_is_said_beside_the_field(staff: Staff) -> None:
    """The close-visit form sent with only spaces led to the error page as the override's did: the
    patient page comes back (422) with the error beside the reason field, marked and focused, the
    confirmation box (closing an emergency transfer without a referral) to tick again; the visit
    stays open."""
    made = _walk_in(staff, "ERR-CLOSE")
    csrf = _chinese(staff, Role.nurse)
    closing = _sent_back(
        staff,
        f"/encounters/{made['encounter_id']}/close",
        {"csrf_token": csrf, "reason": "  ", "without_referral": "1"},
        "close",
        "请填写结束就诊的原因（“原因”一栏为空）。",
    )
    form = closing.split('id="close-form"')[1].split("</form>")[0]
    assert 'name="without_referral" value="1" required>' in form, "ticked again by the person"
    db = staff.app.state.runtime.databases.get()
    closed = db.conn.execute("SELECT closed_at FROM encounters WHERE id = ?", [made["encounter_id"]])
    assert closed.fetchone()[0] is None, "the visit stays open"


def test_other_refusals_read_in_chinese_and_an_unlisted_one_says_its_kind(staff: Staff) -> None:
    made = _walk_in(staff, "ERR-2")
    referral = _proposed(staff, made)
    csrf = _chinese(staff, Role.clinician)
    cancelled = staff.client.post(
        f"/referrals/{referral}/status", data={"csrf_token": csrf, "status": "cancelled", "note": ""}
    )
    assert cancelled.status_code == 422 and _alert(cancelled.text) == "将转诊改为“已取消”需要填写原因。"
    closing = staff.client.post(
        f"/encounters/{made['encounter_id']}/close",
        data={"csrf_token": csrf, "reason": "  ", "without_referral": "1"},
    )
    assert (
        closing.status_code == 422 and "请填写结束就诊的原因（“原因”一栏为空）。" in closing.text
    )  # beside it
    unknown = staff.client.post(
        "/devices/results/1/assign", data={"csrf_token": csrf, "encounter_id": "", "reason": "x"}
    )
    assert unknown.status_code == 422 and _alert(unknown.text) == "请选择该结果所属的就诊（未选择）。"
    # an error without its own sentence: what kind it is in Chinese, the English under it
    bad = staff.client.post(
        f"/assessments/{made['id']}/override",
        data={"csrf_token": csrf, "disposition": "maybe", "reason": "x"},
    )
    assert bad.status_code == 422 and _alert(bad.text) == "表单中有数值无效（说明见下方）。"
    assert "disposition" in bad.text.split('class="error-detail">')[1]
    missing = staff.client.post("/referrals/999999/status", data={"csrf_token": csrf, "status": "sent"})
    assert missing.status_code == 404 and _alert(missing.text) == "未找到该记录（说明见下方）。"


def test_the_api_refuses_a_second_open_referral_unless_the_request_says_it_is_deliberate(
    staff: Staff,
) -> None:
    made = _walk_in(staff, "REF-2")
    proposed = _proposed(staff, made)
    refused = _refer(staff, made["id"])
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["code"] == "open_referral_exists" and error["context"]["referral_id"] == proposed
    assert f"open referral #{proposed} (proposed, emergency, to County Hospital)" in error["error"]
    deliberate = _refer(staff, made["id"], alongside_open=True)
    assert deliberate.status_code == 201, deliberate.text
    db = staff.app.state.runtime.databases.get()
    (data,) = db.conn.execute(
        "SELECT data FROM audit WHERE action = 'referral.create' AND entity_id = ?",
        [str(deliberate.json()["id"])],
    ).fetchone()
    assert json.loads(data)["alongside_open"] == [proposed], "the audit names the open referral"
    # once the open ones are closed, a new referral needs no confirmation
    for referral in (proposed, deliberate.json()["id"]):
        done = staff.client.post(
            f"/api/v1/referrals/{referral}/status",
            json={"status": "cancelled", "note": "duplicate"},
            headers=staff.bearer(Role.clinician),
        )
        assert done.status_code == 200, done.text
    fresh = _refer(staff, made["id"])
    assert fresh.status_code == 201, fresh.text


def test_the_page_shows_the_open_referral_and_creates_another_only_when_confirmed(staff: Staff) -> None:
    made = _walk_in(staff, "REF-3")
    proposed = _proposed(staff, made)
    csrf = _chinese(staff, Role.clinician)
    page = staff.client.get(f"/encounters/{made['encounter_id']}").text
    form = page.split('id="refer-form"')[1].split("</form>")[0]
    assert (
        f"该就诊已有未结束的转诊 #{proposed}（已建议，待确认，紧急转运，转往 \u2068County Hospital\u2069）"
        in form
    )
    assert 'name="alongside_open" value="1" required' in form
    fields = {"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "urgent", "reason": "BP"}
    refused = staff.client.post(f"/assessments/{made['id']}/refer", data=fields, follow_redirects=False)
    assert refused.status_code == 409
    assert f"该就诊已有未结束的转诊 #{proposed}" in _alert(refused.text)
    count = "SELECT count(*) FROM referrals WHERE encounter_id = ?"
    db = staff.app.state.runtime.databases.get()
    assert db.conn.execute(count, [made["encounter_id"]]).fetchone()[0] == 1
    confirmed = staff.client.post(
        f"/assessments/{made['id']}/refer", data={**fields, "alongside_open": "1"}, follow_redirects=False
    )
    assert confirmed.status_code == 303, confirmed.text
    assert db.conn.execute(count, [made["encounter_id"]]).fetchone()[0] == 2


def test_a_reason_or_note_with_a_nul_is_a_form_error_not_a_server_error(staff: Staff) -> None:
    """The API refuses a NUL in its JSON; a form post reached the log with it, whose CHECK
    (length(trim(reason)) > 0) failed at SQLite's length() stopping at the NUL: a 500."""
    made = _walk_in(staff, "ERR-NUL")
    referral = _proposed(staff, made)
    csrf = staff.login(Role.clinician)
    refused = "has a NUL character (U+0000); send the text without it"
    forms = [
        (f"/assessments/{made['id']}/override", {"disposition": "routine_referral", "reason": "\x00x"}),
        (
            f"/assessments/{made['id']}/refer",
            {"to_facility": "county-hospital", "urgency": "urgent", "reason": "\x00x", "alongside_open": "1"},
        ),
        (f"/encounters/{made['encounter_id']}/close", {"reason": "\x00x", "without_referral": "1"}),
        (f"/referrals/{referral}/status", {"status": "cancelled", "note": "went\x00 home"}),
    ]
    said = {
        "en": "The text you typed holds a NUL character (U+0000), which cannot be stored: type it again"
        " without it.",
        "zh": "输入的文字含有空字符（U+0000），无法保存：请重新输入，不要包含它。",
    }
    for language in ("en", "zh"):
        if language == "zh":
            csrf = _chinese(staff, Role.clinician)
        for url, data in forms:
            page = staff.client.post(url, data={"csrf_token": csrf, **data})
            field = "note" if "note" in data else "reason"
            assert page.status_code == 422 and _alert(page.text) == said[language], (language, url)
            assert f"{field}: {refused}" in page.text, "the English the log keeps is shown under it"
    status = staff.client.get(f"/api/v1/referrals/{referral}", headers=staff.bearer(Role.clinician))
    assert status.json()["status"] == "proposed", "nothing was changed"


def test_a_patient_name_with_a_control_character_is_said_in_the_users_language() -> None:
    """The log refuses a name holding a tab; the pages say so in the user's language, by position
    and code point (never the name)."""
    import pytest

    from referral.clock import MACHINE
    from referral.errors import UserInputError
    from referral.records import PatientIn
    from triage.service.pages.rendering import error_text

    with pytest.raises(UserInputError) as refused:
        PatientIn(mrn="N-1", name="Li\tWei")
    said = {
        language: error_text(language, str(refused.value), refused.value, MACHINE)
        for language in ("en", "zh")
    }
    assert said == {
        "en": "The name has a control character (U+0009, such as a tab or a line break) at character 3: type"
        " it on one line without it.",
        "zh": "姓名第 3 个字符是控制字符（U+0009，如制表符或换行）：请在一行内重新输入，不要包含它。",
    }


def test_the_english_record_under_a_chinese_error_is_labelled_and_marked_english(staff: Staff) -> None:
    """On a Chinese page the English record under an error (kept to quote to support) stood bare,
    unlabelled and unmarked, after a sentence such as 未找到该记录（说明见下方）: a clinician met a line
    of English with no word saying what it was, and a screen reader read it with Chinese voice
    rules. It now follows a Chinese label that says it is the system's English record, and is
    marked lang="en" - on the error page and beside a form's field."""
    csrf = _chinese(staff, Role.nurse)
    missing = staff.client.get("/encounters/999999")
    assert missing.status_code == 404 and _alert(missing.text) == "未找到该记录（说明见下方）。"
    record = missing.text.split('<p class="error-record">')[1].split("</p>")[0]
    assert (
        record.startswith("系统记录（英文原文，供技术支持）：")
        and '<small lang="en" class="error-detail">' in record
    )
    made = _walk_in(staff, "ERR-REC")
    bad = staff.client.post(
        f"/encounters/{made['encounter_id']}/readings",
        data={"csrf_token": csrf, "code": "sbp", "value": "abc"},
    )
    assert bad.status_code == 422
    field = bad.text.split('id="reading-value-error">')[1].split("</p>")[0]
    assert (
        "系统记录（英文原文，供技术支持）：" in field
        and '<small lang="en" class="error-detail">sbp: ' in field
    )
