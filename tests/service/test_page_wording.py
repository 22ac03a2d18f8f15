"""What a nurse or doctor reads on the staff pages, in both languages: a closed visit is no longer
an urgent case, who changed a decision, the signed-in role, referrals by facility name and the
rules that proposed them, readings entered by hand. Real service, real SQLite, forms with CSRF."""

from __future__ import annotations

import re
from typing import Any

from tests.service.conftest import WALK_IN, Staff, unspanned
from triage.service.auth import Role
from triage.service.clinic import PROPOSED_BY_TRIAGE
from triage.service.pages.rendering import ident


def _walk_in(staff: Staff, mrn: str) -> dict[str, Any]:
    made = staff.client.post(
        "/api/v1/assessments",
        json={**WALK_IN, "patient": {"mrn": mrn, "sex": "male"}},
        headers=staff.bearer(Role.nurse),
    )
    assert made.status_code == 201, made.text
    assert made.json()["disposition"] == "emergency_transfer"
    result: dict[str, Any] = made.json()
    return result


def _row(html: str, encounter_id: int) -> str:
    return html.split(f'data-encounter="{encounter_id}"')[1].split("</tr>")[0]


def _opening(html: str, encounter_id: int) -> str:
    """The ``<tr ...>`` tag of an encounter's queue row."""
    return "<tr" + html.split(f'data-encounter="{encounter_id}"')[0].rsplit("<tr", 1)[1]


def _language(staff: Staff, csrf: str, language: str) -> None:
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})


def test_a_closed_visit_is_no_longer_counted_or_shown_as_an_urgent_case(staff: Staff) -> None:
    still_here, gone = _walk_in(staff, "U-1"), _walk_in(staff, "U-2")
    csrf = staff.login(Role.nurse)
    assert "2 urgent cases need attention now" in staff.client.get("/queue/rows").text
    closed = staff.client.post(
        f"/api/v1/encounters/{gone['encounter_id']}/close",
        json={"reason": "left by ambulance", "without_referral": True},
        headers=staff.bearer(Role.clinician),
    )
    assert closed.status_code == 200, closed.text
    for language, banner in (("en", "1 urgent case needs attention now"), ("zh", "例紧急病例")):
        _language(staff, csrf, language)
        rows = staff.client.get("/queue/rows").text
        assert banner in rows and "2 urgent" not in rows and "2 例" not in rows
        assert 'class="row urgent d-emergency_transfer"' in _opening(rows, still_here["encounter_id"])
        assert 'class="row closed d-emergency_transfer"' in _opening(rows, gone["encounter_id"])


def test_who_changed_a_decision_and_the_signed_in_role_read_in_the_user_s_language(staff: Staff) -> None:
    made = _walk_in(staff, "O-1")
    changed = staff.client.post(
        f"/api/v1/assessments/{made['id']}/overrides",
        json={"disposition": "urgent_referral", "reason": "seen by the doctor"},
        headers=staff.bearer(Role.clinician),
    )
    assert changed.status_code == 201, changed.text
    csrf = staff.login(Role.nurse)
    for language, mark, role in (
        ("en", f"changed by {ident('clinician')}", f"{ident('nurse')} (nurse)"),
        ("zh", f"已由 {ident('clinician')} 更改", f"{ident('nurse')}（护士）"),
    ):
        _language(staff, csrf, language)
        page = staff.client.get("/queue").text
        assert f'<small class="overridden">{mark}</small>' in _row(page, made["encounter_id"])
        assert f"<span>{role}</span>" in page


def test_referrals_name_the_facility_and_the_rules_that_proposed_them(staff: Staff) -> None:
    made = _walk_in(staff, "R-1")
    for reason in (
        f"{PROPOSED_BY_TRIAGE}spo2_critical; news2_emergency",
        "family asks for the county hospital",
    ):
        created = staff.client.post(
            "/api/v1/referrals",
            json={
                "assessment_id": made["id"],
                "to_facility": "county-hospital",
                "urgency": "emergency",
                "reason": reason,
            },
            headers=staff.bearer(Role.clinician),
        )
        assert created.status_code == 201, created.text
        if reason.startswith(PROPOSED_BY_TRIAGE):
            staff.client.post(
                f"/api/v1/referrals/{created.json()['id']}/status",
                json={"status": "cancelled", "note": "a second one follows"},
                headers=staff.bearer(Role.clinician),
            )
    csrf = staff.login(Role.clinician)
    expected = {
        "en": (
            "Proposed by triage: SpO2 critical (scale 1 ≤91 %; a child under 16 (NICE NG9 2021):"
            " below 92 %; scale 2 ≤83 % or ≥97 % on oxygen);"
            " NEWS2 ≥7 (emergency response threshold)",
            "Emergency transfer",
        ),
        "zh": (
            "分诊系统建议：血氧饱和度危急（量表 1 ≤91%；16 岁以下儿童（英国国家卫生与临床优化研究所毛细支气管炎指南"
            " 2021）：低于 92%；量表 2 ≤83% 或吸氧时 ≥97%）；NEWS2 ≥7（紧急响应阈值）",
            "紧急转运",
        ),
    }
    for language, (proposed, urgency) in expected.items():
        _language(staff, csrf, language)
        for page in (f"/encounters/{made['encounter_id']}", "/referrals"):
            html = unspanned(staff.client.get(page).text)
            # a cell by its class (on the referrals list its role and heading follow the class)
            assert re.search(rf'<td class="reason"[^>]*>{re.escape(proposed)}</td>', html), (language, page)
            assert re.search(r'<td class="reason"[^>]*>family asks for the county hospital</td>', html), (
                "typed text as typed"
            )
            assert (
                f'<bdi>County Hospital</bdi> <small class="facility-id">{ident("county-hospital")}</small>'
                in html
            )
            assert re.search(rf'<td class="urgency"[^>]*>{urgency}</td>', html)
            assert "proposed by triage" not in html and "spo2_critical;" not in html


def test_a_reading_entered_by_hand_says_so_in_the_user_s_language(staff: Staff) -> None:
    made = _walk_in(staff, "M-1")
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{made['encounter_id']}"
    added = staff.client.post(
        f"{page}/readings",
        data={"csrf_token": csrf, "code": "temperature", "value": "38.2", "unit": ""},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    for language, words in (("en", "entered by hand: "), ("zh", "手工录入：")):
        _language(staff, csrf, language)
        rows = unspanned(staff.client.get(page).text).split('data-observation="')[1:]
        by_hand = [r for r in rows if 'data-code="temperature"' in r]
        said = f'<span class="manual-entry">{words}<span class="ident">nurse</span></span></td>'
        assert len(by_hand) == 1 and said in by_hand[0], by_hand
        assert "manual entry" not in unspanned(staff.client.get(page).text)


def test_closed_visits_follow_the_open_ones_in_the_queue(staff: Staff) -> None:
    gone, still_here = _walk_in(staff, "S-1"), _walk_in(staff, "S-2")
    well = staff.client.post(
        "/api/v1/assessments",
        json={
            **WALK_IN,
            "patient": {"mrn": "S-3"},
            "observations": [{"code": "spo2", "value": 98, "unit": "%"}],
        },
        headers=staff.bearer(Role.nurse),
    )
    assert well.status_code == 201 and well.json()["disposition"] == "local_care"
    staff.login(Role.nurse)
    rows = staff.client.get("/queue/rows").text
    assert rows.index(f'data-encounter="{gone["encounter_id"]}"') < rows.index(
        f'data-encounter="{well.json()["encounter_id"]}"'
    ), "open: most urgent first"
    closed = staff.client.post(
        f"/api/v1/encounters/{gone['encounter_id']}/close",
        json={"reason": "left by ambulance", "without_referral": True},
        headers=staff.bearer(Role.clinician),
    )
    assert closed.status_code == 200
    rows = staff.client.get("/queue/rows").text
    order = [
        rows.index(f'data-encounter="{e}"')
        for e in (still_here["encounter_id"], well.json()["encounter_id"], gone["encounter_id"])
    ]
    assert order == sorted(order), "the open visits, most urgent first, then the closed one"


def test_a_referral_starts_at_the_decision_s_urgency_and_an_override_names_its_decision(staff: Staff) -> None:
    made = _walk_in(staff, "F-1")
    csrf = staff.login(Role.clinician)
    page = f"/encounters/{made['encounter_id']}"
    html = unspanned(staff.client.get(page).text)
    refer = html.split('id="refer-form"')[1].split("</form>")[0]
    assert '<option value="emergency" selected>' in refer and 'routine" selected' not in refer
    override = html.split('id="override-form"')[1].split("</form>")[0]
    assert (
        '<select name="disposition" required><option value="">- choose the new decision -</option>'
        in override
    )
    assert " selected" not in override, "no decision is preselected: the clinician chooses one"
    changed = staff.client.post(
        f"/assessments/{made['id']}/override",
        data={"csrf_token": csrf, "disposition": "local_care", "reason": "seen, well"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    refer = unspanned(staff.client.get(page).text).split('id="refer-form"')[1].split("</form>")[0]
    assert '<option value="routine" selected>' in refer, "after the override: the decision now in force"


def test_demo_data_is_labelled_on_every_page_errors_and_login_included(staff: Staff) -> None:
    staff.app.state.runtime.extras["synthetic"] = True
    assert "Demo data: synthetic patients" in staff.client.get("/login").text
    staff.login(Role.nurse)
    for path, status in (("/queue", 200), ("/devices", 200), ("/referrals", 200), ("/encounters/99999", 404)):
        response = staff.client.get(path)
        assert response.status_code == status and "Demo data: synthetic patients" in response.text, path


def test_a_reason_s_detail_follows_its_decision_with_the_language_s_colon(staff: Staff) -> None:
    made = _walk_in(staff, "P-1")
    csrf = staff.login(Role.nurse)
    for language, colon in (("en", "EMERGENCY TRANSFER: <span"), ("zh", "紧急转运：<span")):
        _language(staff, csrf, language)
        reasons = unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text).split(
            '<ul class="reasons">'
        )[1]
        assert colon in reasons.split("</li>")[0], reasons[:400]


def test_the_queue_gives_the_age_with_its_unit(staff: Staff) -> None:
    named = staff.client.post(
        "/api/v1/assessments",
        json={**WALK_IN, "patient": {"mrn": "A-1", "name": "Synthetic Patient"}},  # 70 years
        headers=staff.bearer(Role.nurse),
    ).json()
    unnamed = staff.client.post(
        "/api/v1/assessments",
        json={**WALK_IN, "patient": {"mrn": "A-2"}, "age_years": 45},
        headers=staff.bearer(Role.nurse),
    )
    assert unnamed.status_code == 201
    csrf = staff.login(Role.nurse)
    for language, seventy, forty_five in (("en", "70 years", "45 years"), ("zh", "70 岁", "45 岁")):
        _language(staff, csrf, language)
        rows = staff.client.get("/queue/rows").text
        first = _row(rows, named["encounter_id"])
        assert f'<small>{ident("A-1", "mrn")} · <span class="age">{seventy}</span></small>' in first
        second = _row(rows, unnamed.json()["encounter_id"])
        assert f'{ident("A-2", "mrn")}</a> <small><span class="age">{forty_five}</span></small>' in second


def test_a_reading_superseded_by_one_from_the_same_time_says_so() -> None:
    from triage import phrases
    from triage.service.pages.engine_text import EngineText

    at, later = "2026-05-01T08:30:00+00:00", "2026-05-01T08:45:00+00:00"
    same = {
        "code": "spo2",
        "observed_at": at,
        "detail": phrases.IGNORED_SUPERSEDED.format(code="spo2", observed_at=at),
    }
    assert EngineText("en").ignored(same) == "another SpO2 result from the same time, received later, is used"
    assert EngineText("zh").ignored(same) == "已采用同一时间、较晚收到的另一血氧饱和度结果"
    newer = {**same, "detail": phrases.IGNORED_SUPERSEDED.format(code="spo2", observed_at=later)}
    assert EngineText("en").ignored(newer).startswith("a later SpO2 result from ")


def test_a_dimensionless_reading_shows_its_number_alone_not_a_unit_code(staff: Staff) -> None:
    """Urine specific gravity and pH have no unit: the page never shows UCUM's ``{SG}`` or ``[pH]``."""
    made = _walk_in(staff, "U-1")
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{made['encounter_id']}"
    for code, value in (("urine_sg", "1.020"), ("urine_ph", "6")):
        typed = staff.client.post(
            f"{page}/readings", data={"csrf_token": csrf, "code": code, "value": value, "unit": ""}
        )
        assert typed.status_code == 200, typed.text
    for language, (sg, ph) in (("en", ("urine specific gravity", "urine pH")), ("zh", ("尿比重", "尿 pH"))):
        _language(staff, csrf, language)
        html = unspanned(staff.client.get(page).text)
        assert "{SG}" not in html and "[pH]" not in html
        assert (
            f'<option value="urine_sg">{sg}</option>' in html
            and f'<option value="urine_ph">{ph}</option>' in html
        )
        rows = {r.split('"')[0]: r.split("</tr>")[0] for r in html.split('data-code="')[1:]}
        assert '<td role="cell"><span class="measure">1.02</span></td>' in rows["urine_sg"], rows
        assert '<td role="cell"><span class="measure">6</span></td>' in rows["urine_ph"], rows


def test_a_consciousness_level_reads_as_words_beside_its_acvpu_letter(staff: Staff) -> None:
    made = _walk_in(staff, "A-1")
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{made['encounter_id']}"
    typed = staff.client.post(
        f"{page}/readings", data={"csrf_token": csrf, "code": "consciousness", "value": "V", "unit": ""}
    )
    assert typed.status_code == 200, typed.text
    for language, shown in (("en", "V (responds to voice only)"), ("zh", "V（仅对声音有反应）")):
        _language(staff, csrf, language)
        row = unspanned(staff.client.get(page).text).split('data-code="consciousness"')[1].split("</tr>")[0]
        assert f'<td role="cell">{shown}</td>' in row, row


def test_a_walk_in_s_wrong_age_or_blank_record_number_says_what_to_fix_in_the_user_s_language(
    staff: Staff,
) -> None:
    csrf = staff.login(Role.nurse)
    for language, age, mrn in (
        ("zh", "年龄“abc”无效：请填写 0 到 130 的整数（岁），或留空。", "请填写病历号（该栏只有空格）。"),
        (
            "en",
            "Age &#34;abc&#34; is not valid: give whole years from 0 to 130, or leave it blank.",
            "Give the record number",
        ),
    ):
        _language(staff, csrf, language)
        wrong = staff.client.post("/walk-ins", data={"mrn": "WA-1", "age_years": "abc", "csrf_token": csrf})
        assert wrong.status_code == 422 and age in wrong.text, wrong.text[-800:]
        record = "age: &#39;abc&#39; is not a whole number of years"
        assert (record in wrong.text) == (language != "en"), (
            "the record, under it (not said twice in English)"
        )
        blank = staff.client.post("/walk-ins", data={"mrn": "  ", "csrf_token": csrf})
        assert blank.status_code == 422 and mrn in blank.text, blank.text[-800:]


def test_a_visit_without_a_referral_says_so_and_the_referral_form_has_its_own_title(staff: Staff) -> None:
    csrf = staff.login(Role.clinician)
    opened = staff.client.post(
        "/walk-ins", data={"mrn": "R-0", "age_years": "40", "csrf_token": csrf}, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text
    page = opened.headers["location"]
    for language, none in (("en", "No referral for this visit yet."), ("zh", "本次就诊尚无转诊。")):
        _language(staff, csrf, language)
        html = unspanned(staff.client.get(page).text)
        assert f'<p class="empty" id="no-referrals">{none}</p>' in html
        assert 'id="encounter-referrals"' not in html, "no empty table (nor its focusable region)"
    referred = _walk_in(staff, "R-1")
    made = staff.client.post(
        f"/assessments/{referred['id']}/refer",
        data={"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "urgent", "reason": "BP"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    for language, section, form in (("en", "Referrals", "New referral"), ("zh", "转诊", "新建转诊")):
        _language(staff, csrf, language)
        html = unspanned(staff.client.get(f"/encounters/{referred['encounter_id']}").text)
        assert 'id="encounter-referrals"' in html and 'id="no-referrals"' not in html
        assert f"<h2>{section}</h2>" in html and f"<h3>{form}</h3>" in html


def test_a_coded_reading_typed_as_the_page_shows_it_is_understood_and_a_wrong_one_lists_the_answers(
    staff: Staff,
) -> None:
    made = _walk_in(staff, "K-1")
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{made['encounter_id']}"
    for code, typed in (
        ("supplemental_o2", "吸氧"),
        ("urine_protein", "阴性"),
        ("urine_glucose", "trace"),
        ("consciousness", "新发意识模糊"),
        ("urine_nitrite", "pos"),
    ):
        added = staff.client.post(
            f"{page}/readings", data={"csrf_token": csrf, "code": code, "value": typed, "unit": ""}
        )
        assert added.status_code == 200, (code, typed, added.text[-600:])
    stored = staff.client.get(f"/api/v1/encounters/{made['encounter_id']}", headers=staff.bearer(Role.nurse))
    answers = {
        o["code"]: o["value_text"] for o in stored.json()["observations"] if o["device"] == "manual entry"
    }
    assert answers == {
        "supplemental_o2": "oxygen",
        "urine_protein": "neg",
        "urine_glucose": "trace",
        "consciousness": "C",
        "urine_nitrite": "pos",
    }
    for language, listed in (
        ("zh", "吸氧状态：读数未记录。请填写以下之一：未吸氧、吸氧。"),
        ("en", "air or oxygen: the reading was not recorded. Give one of: air, oxygen."),
    ):
        _language(staff, csrf, language)
        wrong = staff.client.post(
            f"{page}/readings",
            data={"csrf_token": csrf, "code": "supplemental_o2", "value": "2L", "unit": ""},
        )
        assert wrong.status_code == 422 and listed in wrong.text, wrong.text[-800:]


def test_the_referral_button_says_it_sends_the_referral(staff: Staff) -> None:
    """The form creates the referral and sends it at once ("Referral created and sent"), while a
    referral the engine proposed waits for "Confirm and send": a button saying only "Create
    referral" (创建转诊) read as a draft to be sent later."""
    made = _walk_in(staff, "SEND-1")
    csrf = staff.login(Role.clinician)
    for language, label in (
        ("en", "Create and send referral"),
        ("zh", "创建并发送转诊"),
    ):
        _language(staff, csrf, language)
        page = unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text)
        form = page.split('id="refer-form"')[1].split("</form>")[0]
        assert f'<button type="submit">{label}</button>' in form
    sent = staff.client.post(
        f"/assessments/{made['id']}/refer",
        data={
            "csrf_token": csrf,
            "to_facility": "county-hospital",
            "urgency": "emergency",
            "reason": "SpO2 86",
        },
    )
    assert "转诊已创建并发送" in sent.text and "已发送" in sent.text.split('id="encounter-referrals"')[1]


def test_a_printed_patient_page_says_the_day_of_its_times_and_when_it_was_printed(staff: Staff) -> None:
    """On paper a reading's time (18:47:17) said no day: only the decision had its date. The page
    carries a line shown only in print: when the visit started, with its date, and when printed."""
    made = _walk_in(staff, "PRINT-1")
    csrf = staff.login(Role.nurse)
    page = unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text)
    line = page.split('<p class="print-only printed" id="printed">')[1].split("</p>")[0]
    day = re.search(r"Visit started (\d{4}-\d{2}-\d{2}) \d{2}:\d{2}; times on this page", line)
    assert day is not None, line
    assert re.search(r"Printed \d{4}-\d{2}-\d{2} \d{2}:\d{2}\.$", line), line
    _language(staff, csrf, "zh")
    chinese = unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text)
    line = chinese.split('id="printed">')[1].split("</p>")[0]
    assert line.startswith(f"就诊开始于 {day[1]} ") and "本页未注明日期的时间均为就诊当日。打印时间 " in line


def test_logging_out_says_so_on_the_login_page(staff: Staff) -> None:
    """On a shared clinic PC the login page after "Log out" looked like any other login page: the
    nurse leaving could not tell her session had ended, nor the next person that it was theirs."""
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, "zh")
    out = staff.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login?ended=logout"
    said = {
        "zh": "您已退出登录。下一位工作人员可在此登录。",
        "en": "You have logged out. The next person can log in here.",
    }
    page = staff.client.get(out.headers["location"]).text
    notice = page.split('id="login-notice">')[1].split("</p>")[0]
    # nobody is logged in now: the login page speaks the clinic's default language
    assert notice == said[staff.app.state.runtime.settings.service.default_language]
    assert staff.client.get("/queue", follow_redirects=False).status_code == 303, "the session is over"
    for language, sentence in said.items():
        staff.client.cookies.set("triage_lang", language)
        assert sentence in staff.client.get("/login?ended=logout").text
    assert 'id="login-notice"' not in staff.client.get("/login").text


def test_an_insufficient_data_row_in_the_queue_says_why(staff: Staff) -> None:
    """A febrile, fast-breathing 6-year-old: NEWS2 does not apply under 16 and the engine answers
    "Insufficient data" with a note asking a clinician to assess now. The queue's row showed the
    badge and an empty reasons cell, which read as "measure more later"; it now says the note."""
    body = {
        "patient": {"mrn": "Q-CHILD", "sex": "female"},
        "age_years": 6,
        "observations": [
            {"code": "heart_rate", "value": 150, "unit": "/min"},
            {"code": "resp_rate", "value": 34, "unit": "/min"},
            {"code": "temperature", "value": 39.2, "unit": "Cel"},
        ],
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201 and made.json()["disposition"] == "insufficient_data", made.text
    urgent = _walk_in(staff, "Q-ADULT")  # an emergency: its reasons are its red flags, no note
    csrf = staff.login(Role.nurse)
    for language, said in (
        ("en", "a clinician must assess them now"),
        ("zh", "须由医生立即评估"),
    ):
        _language(staff, csrf, language)
        rows = staff.client.get("/queue/rows").text
        reasons = _row(rows, made.json()["encounter_id"]).split('class="reasons"')[1].split("</td>")[0]
        assert '<span class="note">' in reasons and said in reasons, reasons
        assert '<span class="note">' not in _row(rows, urgent["encounter_id"])


def test_a_typo_entered_again_is_marked_not_used_in_the_readings_table(staff: Staff) -> None:
    """A nurse types 190 for a systolic of 130 and enters the vital signs again: the decision uses
    the later reading, but the readings table listed 190 and 130 alike, as two values in force; only
    a list far below said 190 was not used. The row now says so, and the form says how to correct."""
    made = _walk_in(staff, "TYPO-1")
    encounter = made["encounter_id"]
    csrf = staff.login(Role.nurse)
    for sbp in ("190", "130"):
        sent = staff.client.post(
            f"/encounters/{encounter}/vitals",
            data={"csrf_token": csrf, "sbp": sbp, "dbp": "85", "temperature_unit": "Cel"},
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
    for language, mark, hint in (
        ("en", "(not used by the decision)", "enter the right one again"),
        ("zh", "（本次处置未采用）", "重新录入正确数值即可"),
    ):
        _language(staff, csrf, language)
        page = unspanned(staff.client.get(f"/encounters/{encounter}").text)
        rows = {
            value: row
            for row in page.split("<tr")
            if 'data-code="sbp"' in row
            for value in re.findall(r">(\d+) mmHg<", row)
        }
        assert set(rows) >= {"190", "130"}, rows
        assert mark in rows["190"] and 'class="not-used"' in rows["190"]
        assert "not-used" not in rows["130"], "the reading in force is not marked"
        assert hint in page.split('id="vitals-form"')[1].split("</p>")[0]


# a word said twice in a row ("air or oxygen oxygen"); a Chinese term said again after a space (吸氧状态 吸氧)
_DOUBLED = {"en": re.compile(r"\b(\w+) \1\b"), "zh": re.compile(r"([\u4e00-\u9fff]{2})[\u4e00-\u9fff]* \1")}


def test_a_childs_oxygen_is_named_once_in_the_note_on_her_page(staff: Staff) -> None:
    """A 4-year-old on supplemental oxygen: NEWS2 is not used under 16, so a note asks a clinician to
    assess it now. The page named the reading by its label and then its answer, "air or oxygen
    oxygen not scored by NEWS2" (zh 吸氧状态 吸氧); it now says "supplemental oxygen" (zh 吸氧)."""
    body = {
        "patient": {"mrn": "O2-CHILD", "sex": "female"},
        "age_years": 4,
        "observations": [
            {"code": "spo2", "value": 97, "unit": "%"},
            {"code": "supplemental_o2", "value": "oxygen"},
            {"code": "heart_rate", "value": 120, "unit": "/min"},
        ],
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201 and made.json()["disposition"] == "insufficient_data", made.text
    csrf = staff.login(Role.nurse)
    for language, said in (
        ("en", "supplemental oxygen not scored by NEWS2 (not applicable: age 4 years;"),
        ("zh", "吸氧：未经 NEWS2 评分（不适用：年龄 4 岁；"),
    ):
        _language(staff, csrf, language)
        page = unspanned(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
        notes = re.findall(r"<li>(.*?)</li>", page.split('<ul class="notes">')[1].split("</ul>")[0], re.S)
        rows = unspanned(staff.client.get("/queue/rows").text)
        queued = re.findall(r'<span class="note">(.*?)</span>', _row(rows, made.json()["encounter_id"]), re.S)
        for note in [n for n in notes + queued if "NEWS2" in n] or ["no note"]:
            assert said in note, note
            assert _DOUBLED[language].search(note) is None, note
