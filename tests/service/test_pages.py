"""Manual entry through the staff pages (forms with CSRF), as a nurse at the desk would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from referral.clock import Clock
from tests.conftest import machine_zone
from tests.service.conftest import WALK_IN, Staff, make_settings, unspanned
from tests.service.test_engine_text import _shown_in_english
from triage.errors import ConfigError
from triage.rules import RULES
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock, duration, local_time, stamp
from triage.service.pages.engine_text import bounds
from triage.service.pages.rendering import ident, rule_label

# every NEWS2 item measured, all normal (NEWS2 0, complete)
NORMAL_VITALS: tuple[tuple[str, float | str, str | None], ...] = (
    ("sbp", 118, "mm[Hg]"),
    ("dbp", 76, "mm[Hg]"),
    ("heart_rate", 72, "/min"),
    ("resp_rate", 14, "/min"),
    ("spo2", 98, "%"),
    ("temperature", 36.8, "Cel"),
    ("consciousness", "A", None),
    ("supplemental_o2", "air", None),
)


def test_nurse_opens_a_walk_in_records_readings_and_assesses(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    opened = staff.client.post(
        "/walk-ins",
        data={
            "csrf_token": csrf,
            "mrn": "W-77",
            "name": "Synthetic Walk-in",
            "sex": "female",
            "age_years": "71",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    page = opened.headers["location"]
    assert re.fullmatch(r"/encounters/\d+", page)
    for code, value, unit in (
        ("spo2", "85", ""),
        ("resp_rate", "27", ""),
        ("temperature", "102.2", "[degF]"),
    ):
        added = staff.client.post(
            f"{page}/readings",
            data={"csrf_token": csrf, "code": code, "value": value, "unit": unit},
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text
    bad = staff.client.post(f"{page}/readings", data={"csrf_token": csrf, "code": "spo2", "value": "186"})
    assert bad.status_code == 422 and "outside the plausible range" in bad.text
    assert (
        staff.client.post(f"{page}/assess", data={"csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    html = unspanned(staff.client.get(page).text)
    assert 'id="decision"' in html and "urgent" in html.split('id="decision"')[0][-200:]
    assert "39" in html, "102.2 degF is shown as the canonical 39 Cel"
    assert 'id="override-form"' not in html, "nurses do not override"


def test_forms_without_the_csrf_token_are_refused(staff: Staff) -> None:
    staff.login(Role.nurse)
    response = staff.client.post("/walk-ins", data={"mrn": "W-78"})
    assert response.status_code == 403
    assert staff.client.get("/api/v1/patients", headers=staff.bearer(Role.nurse)).json()["count"] == 0


@pytest.fixture
def clinic_in_utc() -> Iterator[None]:
    """The service's zone set to UTC for one test (the pages show times in the service's zone)."""
    with machine_zone("UTC"):
        yield


def test_the_patient_page_shows_every_time_in_the_clinic_zone_and_what_is_missing(
    staff: Staff, clinic_in_utc: None
) -> None:
    # a monitor in Beijing time: stored with its +08:00 offset, shown in the clinic's zone (UTC here)
    seen = (datetime.now(UTC) - timedelta(minutes=10)).astimezone(timezone(timedelta(hours=8)))
    readings = [
        {"code": code, "value": value, "unit": unit, "observed_at": seen.isoformat()}
        for code, value, unit in NORMAL_VITALS
    ]
    body = {"patient": {"mrn": "TZ-1", "sex": "male"}, "age_years": 50, "observations": readings}
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    assessment = made.json()
    staff.login(Role.nurse)
    html = unspanned(staff.client.get(f"/encounters/{assessment['encounter_id']}").text)
    rows = html.split('data-observation="')[1:]
    assert len(rows) == len(readings)
    utc_clock, beijing_clock = seen.astimezone(UTC).strftime("%H:%M:%S"), seen.strftime("%H:%M:%S")
    assert all(utc_clock in row and beijing_clock not in row for row in rows), "not the stored text's zone"

    minutes = assessment["assessment"]["recheck_minutes"]
    shown = {15: "15 min", 60: "1 h", 240: "4 h", 720: "12 h", 1440: "1 day", 43200: "30 days"}[minutes]
    assert f"Recheck in {shown}" in html and "minutes" not in html.split('id="decision"')[1][:400]
    missing = assessment["assessment"]["missing_inputs"]
    named = ", ".join(catalogue_data("en")[f"name.{code}"] for code in missing)  # by name, not by code
    assert missing and f"(the scores above are incomplete without them): {named}" in html
    # a model that could not score says why, in the engine's words with readings named (e.g. cholesterol missing)
    unscored = [m for m in assessment["assessment"]["models"] if m["probability"] is None]
    assert unscored and all(_shown_in_english(m["explanation"]) in html for m in unscored), "named, not coded"


def test_an_insufficient_decision_says_what_to_measure(staff: Staff) -> None:
    body = {"patient": {"mrn": "TZ-2", "sex": "female"}, "age_years": 40, "observations": []}
    body["observations"] = [{"code": "hemoglobin", "value": 128, "unit": "g/L"}]
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    assessment = made.json()
    assert assessment["assessment"]["disposition"] == "insufficient_data"
    staff.login(Role.nurse)
    html = unspanned(staff.client.get(f"/encounters/{assessment['encounter_id']}").text)
    decision = html.split('id="decision"')[1].split("</div>")[0]
    assert "no decisive reading; measure at least one of: systolic BP, diastolic BP" in decision
    assert "No rule or risk model fired." in html


def test_page_clock_and_durations() -> None:
    # Local wall times (naive, then in the machine's zone): the same day in every zone. Instants
    # fixed in UTC (09:30 and 12:00 UTC) fall on two local days at UTC+12:30 and beyond, and at
    # UTC-09:30 and beyond, where "today" said the date.
    today = datetime(2026, 12, 4, 12, 0).astimezone()
    at = datetime(2026, 12, 4, 9, 30, 5).astimezone()
    machine = Clock()
    assert clock(at.isoformat(), today, clinic=machine) == "09:30:05"
    in_utc = at.astimezone(UTC).isoformat()
    assert clock(in_utc, today, clinic=machine) == "09:30:05", "another offset, the local time"
    earlier = at - timedelta(days=2)
    assert clock(earlier.isoformat(), today, clinic=machine) == "2026-12-02 09:30:05"
    assert clock(None, clinic=machine) == "-" and clock("not a time", clinic=machine) == "not a time"
    no_offset = local_time("2026-12-04T09:30:00", clinic=machine)
    assert no_offset == "2026-12-04 09:30", "no offset: shown as stored"
    assert [duration(m) for m in (15, 60, 90, 720, 1440, 2880, 43200, 0)] == [
        ("duration.minutes", 15),
        ("duration.hours", 1),
        ("duration.minutes", 90),
        ("duration.hours", 12),
        ("duration.day", 1),
        ("duration.days", 2),
        ("duration.days", 30),
        ("duration.minutes", 0),
    ]


def test_the_clinic_time_zone_setting_puts_page_times_in_the_clinic_s_time(tmp_path: Path) -> None:
    """A clinic PC or edge box running in UTC showed a Beijing morning's readings at 01:15."""
    from triage.service import create_app

    beijing = create_app(make_settings(tmp_path, timezone="Asia/Shanghai")).state.runtime.clock
    assert local_time("2026-12-05T01:15:00+00:00", clinic=beijing) == "2026-12-05 09:15"
    at, today = "2026-12-04T17:15:00+00:00", datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    assert clock(at, today, clinic=beijing) == "01:15:00"
    unset = create_app(make_settings(tmp_path)).state.runtime.clock
    assert local_time("2026-12-05T01:15:00+00:00", clinic=unset) == datetime(
        2026, 12, 5, 1, 15, tzinfo=UTC
    ).astimezone().strftime("%Y-%m-%d %H:%M"), "unset: the machine's zone"
    with pytest.raises(
        ConfigError, match=r'service\.timezone: .*unknown time zone "Beijing": give an IANA name'
    ):
        make_settings(tmp_path, timezone="Beijing")


def test_a_stamp_is_the_time_today_and_the_date_before_with_both_on_hover() -> None:
    today = datetime(2026, 12, 4, 12, 0).astimezone()  # local wall times: one day in every zone
    at = datetime(2026, 12, 4, 9, 30, 5).astimezone()
    machine = Clock()
    assert stamp(at.isoformat(), today, clinic=machine) == (
        f'<time datetime="{at.isoformat()}" title="2026-12-04 09:30">09:30</time>'
    )
    older = at - timedelta(days=3)
    shown = stamp(older.isoformat(), today, clinic=machine)
    assert 'title="2026-12-01 09:30">2026-12-01</time>' in shown
    assert stamp(None, clinic=machine) == "-"
    assert stamp("<not a time>", clinic=machine) == "&lt;not a time&gt;"


def test_today_s_override_shows_its_time_with_the_date_on_hover_in_both_languages(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse)).json()
    changed = staff.client.post(
        f"/api/v1/assessments/{made['id']}/overrides",
        json={"disposition": "urgent_referral", "reason": "seen by the doctor"},
        headers=staff.bearer(Role.clinician),
    )
    assert changed.status_code == 201, changed.text
    at = datetime.fromisoformat(changed.json()["created_at"]).astimezone()
    csrf = staff.login(Role.clinician)
    for language in ("en", "zh"):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        html = unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text)
        entry = html.split('<li class="override">')[1].split("</li>")[0]
        assert entry.startswith(f'<time datetime="{at.isoformat()}" title="{at.strftime("%Y-%m-%d %H:%M")}">')
        colon = ":" if language == "en" else "："
        assert f">{at.strftime('%H:%M')}</time> {ident('clinician')}{colon}" in entry, entry


def test_the_patient_heading_says_what_is_not_recorded_in_the_user_s_language(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post(
        "/api/v1/assessments",
        json={"patient": {"mrn": "HD-1"}, "observations": [{"code": "spo2", "value": 97, "unit": "%"}]},
        headers=nurse,
    )
    assert made.status_code == 201, made.text
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{made.json()['encounter_id']}"
    heading = unspanned(staff.client.get(page).text).split("<h1>")[1].split("</h1>")[0]
    assert f"{ident('HD-1', 'mrn')} <small>sex not recorded&nbsp;· age not recorded</small>" in heading, (
        heading
    )
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    assert "性别未记录&nbsp;· 年龄未记录" in unspanned(staff.client.get(page).text).split("</h1>")[0]


def test_every_rule_has_a_label_in_both_languages_and_the_english_one_is_its_description() -> None:
    for rule in RULES:
        assert rule_label("en", rule.name) == bounds(rule.description), "the rule's words, ≥ and ≤ as written"
        assert rule_label("zh", rule.name) not in (rule.name, rule.description), rule.name
        for language in ("en", "zh"):
            assert ">=" not in rule_label(language, rule.name) and "<=" not in rule_label(language, rule.name)
    assert rule_label("en", "news2_emergency") == "NEWS2 ≥7 (emergency response threshold)"
    assert rule_label("zh", "model:cvd10") == "10 年心血管病风险（风险模型，教学数据）达到或超过阈值"
    assert (
        rule_label("en", "model:cvd10")
        == "10-year cardiovascular risk (risk model, teaching data) at or above its threshold"
    )
    assert rule_label("en", "a_rule_added_later") == "a_rule_added_later", "an unknown rule still shows"


def test_queue_and_patient_page_name_red_flags_in_the_user_s_language(staff: Staff) -> None:
    made = staff.client.post(
        "/api/v1/assessments",
        json={**WALK_IN, "patient": {"mrn": "RF-1", "sex": "male"}},
        headers=staff.bearer(Role.nurse),
    )
    assert made.status_code == 201, made.text
    flags = made.json()["assessment"]["red_flags"]
    assert "spo2_critical" in flags
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    queue = staff.client.get("/queue/rows").text
    assert '<span class="flag" data-rule="spo2_critical">血氧饱和度危急' in queue
    patient = unspanned(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
    assert '<strong data-rule="spo2_critical">血氧饱和度危急' in patient


def _without_hovers(html: str) -> str:
    """The page's text without ``title`` attributes (the hover keeps the engine's record)."""
    return re.sub(r' title="[^"]*"', "", html)


def test_risk_models_are_named_with_their_code_and_version_beside_and_bounds_read_naturally(
    staff: Staff,
) -> None:
    body = {
        "patient": {"mrn": "RM-1", "sex": "male"},
        "age_years": 66,
        "context": {"current_smoker": True, "diabetes": False},
        "observations": [
            {"code": "sbp", "value": 168, "unit": "mm[Hg]"},
            {"code": "total_cholesterol", "value": 6.8, "unit": "mmol/L"},
            *WALK_IN["observations"],  # no consciousness or temperature: NEWS2 is a lower bound
        ],
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    stored = made.json()["assessment"]
    assert [m["model"] for m in stored["models"]][:1] == ["cvd10"], "the record keeps the code"
    assert stored["scores"]["news2"]["complete"] is False and ">=" in stored["scores"]["news2"]["detail"]
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{made.json()['encounter_id']}"
    english = unspanned(staff.client.get(page).text)
    title = "10-year cardiovascular disease risk (Framingham teaching cohort, logistic regression)"
    assert (
        '<tr data-model="cvd10"><td>10-year cardiovascular risk '
        f'<small class="model-code" title="{title}">cvd10 1.0.0</small></td>'
    ) in english
    assert "<td>ckd 1.1.0</td>" not in english and "Chronic kidney disease not scored: " in english
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    chinese = unspanned(staff.client.get(page).text)
    assert '<tr data-model="cvd10"><td>10 年心血管病风险 <small class="model-code"' in chinese
    assert "慢性肾脏病的可能性未评分：" in chinese
    news2 = chinese.split('data-score="news2"')[1].split("</tr>")[0]
    assert '<td class="value" role="cell">≥' in news2 and " 分</td>" in news2, news2
    assert "NEWS2 ≥" in chinese.split('data-detail-of="news2"')[1].split("</tr>")[0]
    for html in (english, chinese):
        shown = _without_hovers(html)
        assert "&gt;=" not in shown and "&lt;=" not in shown, "no ASCII comparator on the page"
    # the risk models' teaching data said in words beside them (only a hover said it), in both languages
    for html, said in ((english, "Teaching data: "), (chinese, "教学数据：")):
        risks = html.split('id="models-teaching"')[1].split('<table class="models">')[0]
        assert said in risks and ("not for clinical use" in risks or "不可用于临床" in risks), risks


def test_the_queue_shows_an_incomplete_news2_as_the_lower_bound_it_is(staff: Staff) -> None:
    partial = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    whole = {
        "patient": {"mrn": "Q-ALL", "sex": "female"},
        "age_years": 40,
        "observations": [{"code": code, "value": value, "unit": unit} for code, value, unit in NORMAL_VITALS],
    }
    complete = staff.client.post("/api/v1/assessments", json=whole, headers=staff.bearer(Role.nurse))
    assert partial.status_code == complete.status_code == 201
    assert partial.json()["assessment"]["scores"]["news2"]["complete"] is False
    assert complete.json()["assessment"]["scores"]["news2"]["complete"] is True
    csrf = staff.login(Role.nurse)
    for language, hover in (("en", "a lower bound: some NEWS2 items were not measured"), ("zh", "下限：")):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        rows = staff.client.get("/queue/rows").text
        mine = rows.split(f'data-encounter="{partial.json()["encounter_id"]}"')[1].split("</tr>")[0]
        news2 = int(partial.json()["assessment"]["scores"]["news2"]["value"])
        cell = re.compile(r'<td class="news2"[^>]*>(.*?)</td>')  # its role and label, then its value
        found = cell.search(mine)
        assert found is not None and found[1].startswith(f'<span title="{hover}'), mine
        assert found[1].endswith(f">≥{news2}</span>"), mine
        other = rows.split(f'data-encounter="{complete.json()["encounter_id"]}"')[1].split("</tr>")[0]
        plain = cell.search(other)
        assert plain is not None and plain[1] == "0", other


def test_a_clinician_s_override_of_an_earlier_assessment_stays_in_view_after_a_new_one(staff: Staff) -> None:
    """'Assess now' after an override showed the engine's new decision alone: the clinician's change
    dropped out of view without a word. The page now says it until the new decision is reviewed."""
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse)).json()
    changed = staff.client.post(
        f"/api/v1/assessments/{made['id']}/overrides",
        json={"disposition": "emergency_transfer", "reason": "looks worse than the numbers"},
        headers=staff.bearer(Role.clinician),
    )
    assert changed.status_code == 201, changed.text
    page = f"/encounters/{made['encounter_id']}"
    csrf = staff.login(Role.clinician)
    assert "earlier-override" not in unspanned(staff.client.get(page).text), (
        "the override is on the latest decision"
    )
    again = staff.client.post(
        f"/api/v1/encounters/{made['encounter_id']}/assessments", json={}, headers=staff.bearer(Role.nurse)
    )
    assert again.status_code == 201, again.text
    html = unspanned(staff.client.get(page).text)
    note = html.split('class="warning earlier-override"')[1].split("</p>")[0]
    assert (
        f"A clinician changed an earlier decision of this visit to EMERGENCY TRANSFER ({ident('clinician')}: looks worse than"
        " the numbers). This newer decision is the engine&#39;s and nobody has reviewed it" in note
    ), note
    assert "<small><time datetime=" in note, "when the clinician changed it"
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    assert "本次就诊较早的处置曾由医生改为" in unspanned(staff.client.get(page).text)
    reviewed = staff.client.post(
        f"/api/v1/assessments/{again.json()['id']}/overrides",
        json={"disposition": "emergency_transfer", "reason": "still applies"},
        headers=staff.bearer(Role.clinician),
    )
    assert reviewed.status_code == 201, reviewed.text
    assert "earlier-override" not in unspanned(staff.client.get(page).text), "reviewed: the note goes"
