"""A nurse whose session ended (idle logout on a shared clinic PC) while a form was open: the login
page says the form was not recorded and leads back to the form's page, not to the form's POST
address (405 after logging in). And an error page reached from a patient's override or referral
form leads back to that patient. Real service, real SQLite, real sessions."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.service.conftest import PASSWORD, Staff
from tests.service.test_page_wording import _walk_in  # an emergency walk-in
from triage.service.auth import SESSION_COOKIE, Role


def _end_session(staff: Staff) -> None:
    """The session ends (as after 30 minutes without use): the log no longer knows the cookie."""
    db = staff.app.state.runtime.databases.get()
    with db.conn:
        db.conn.execute("DELETE FROM staff_sessions")


def _log_in_again(staff: Staff, login_url: str) -> str:
    """Log in through the form the login page shows, with its ``next``; where the browser lands."""
    page = staff.client.get(login_url)
    assert page.status_code == 200
    next_path = page.text.split('name="next" value="')[1].split('"')[0]
    answer = staff.client.post(
        "/login",
        data={"username": "nurse", "password": PASSWORD, "next": next_path},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return str(answer.headers["location"])


def test_vital_signs_sent_after_the_session_ended_say_so_and_lead_back_to_the_patient(
    staff: Staff,
) -> None:
    encounter = _walk_in(staff, "ENDED-1")["encounter_id"]
    csrf = staff.login(Role.nurse)
    _end_session(staff)
    sent = staff.client.post(
        f"/encounters/{encounter}/vitals",
        data={"csrf_token": csrf, "heart_rate": "99"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    login_url = sent.headers["location"]
    assert parse_qs(urlsplit(login_url).query) == {
        "next": [f"/encounters/{encounter}"],
        "ended": ["unsent"],
    }
    page = staff.client.get(login_url).text
    notice = page.split('id="login-notice">')[1].split("</p>")[0]
    assert "before the form was sent" in notice and "nothing was recorded" in notice
    assert "30 minutes without use" in notice and "8 hours" in notice
    landed = _log_in_again(staff, login_url)
    assert landed == f"/encounters/{encounter}", "back on the patient's page, not GET .../vitals"
    assert staff.client.get(landed).status_code == 200
    db = staff.app.state.runtime.databases.get()
    stored = db.conn.execute(
        "SELECT count(*) FROM observations WHERE encounter_id = ? AND code = 'heart_rate'"
        " AND device = 'manual entry'",
        [encounter],
    ).fetchone()[0]
    assert stored == 0, "the form sent without a session was not recorded"


def test_each_form_leads_back_to_its_page_and_a_page_visit_says_the_session_ended(staff: Staff) -> None:
    made = _walk_in(staff, "ENDED-2")
    encounter = made["encounter_id"]
    csrf = staff.login(Role.nurse)
    _end_session(staff)
    for path, page in (
        ("/walk-ins", "/queue"),
        (f"/assessments/{made['id']}/override", f"/encounters/{encounter}"),
        ("/devices/results/1/dismiss", "/devices"),
    ):
        sent = staff.client.post(path, data={"csrf_token": csrf}, follow_redirects=False)
        assert sent.status_code == 303, path
        assert parse_qs(urlsplit(sent.headers["location"]).query)["next"] == [page], path
    visit = staff.client.get(f"/encounters/{encounter}", follow_redirects=False)
    assert parse_qs(urlsplit(visit.headers["location"]).query) == {
        "next": [f"/encounters/{encounter}"],
        "ended": ["expired"],
    }
    assert "Your session ended" in staff.client.get(visit.headers["location"]).text
    staff.client.cookies.delete(SESSION_COOKIE)  # never logged in: no word of a session ending
    fresh = staff.client.get("/queue", follow_redirects=False)
    assert "ended" not in fresh.headers["location"]
    assert 'id="login-notice"' not in staff.client.get(fresh.headers["location"]).text


def test_the_login_notice_reads_in_chinese(staff: Staff) -> None:
    staff.client.cookies.set("triage_lang", "zh")
    page = staff.client.get("/login?next=/queue&ended=unsent").text
    assert "表单提交前登录已失效（30 分钟未操作，或登录已满 8 小时）：内容未记录。" in page


def test_an_error_from_a_patient_s_override_or_referral_form_leads_back_to_the_patient(
    staff: Staff,
) -> None:
    made = _walk_in(staff, "ENDED-3")
    encounter = made["encounter_id"]
    csrf = staff.login(Role.clinician)
    for form, data in (
        # an empty reason is said beside its field on the patient page (test_page_errors.py)
        ("override", {"disposition": "maybe", "reason": "x"}),
        ("refer", {"to_facility": "county-hospital", "urgency": "soon", "reason": "x"}),
    ):
        page = staff.client.post(f"/assessments/{made['id']}/{form}", data={"csrf_token": csrf, **data})
        assert page.status_code == 422, form
        assert f'<a href="/encounters/{encounter}">Back to the patient</a>' in page.text, form


def test_the_live_queue_of_an_ended_session_sends_the_page_to_login_saying_so(staff: Staff) -> None:
    staff.login(Role.nurse)
    _end_session(staff)
    for fragment, page in (("/queue/rows", "/queue"), ("/devices/held", "/devices")):
        answer = staff.client.get(fragment, headers={"HX-Request": "true"}, follow_redirects=False)
        assert answer.status_code == 204, fragment
        target = answer.headers["hx-redirect"]
        assert parse_qs(urlsplit(target).query) == {"next": [page], "ended": ["expired"]}, fragment
