"""The patient page's referral form on a clinic whose facility directory has no hospital to refer to
(`triage serve` on embedded defaults, before the administrator loads the directory): it said
nothing and offered an empty "Refer to" list, whose referral then failed on an error page
("to_facility: Field required") that lost the reason typed. Real service, real SQLite."""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_page_wording import _walk_in  # an emergency walk-in
from triage.service.auth import Role


def test_with_no_hospital_in_the_directory_the_page_says_so_instead_of_an_empty_form(
    staff: Staff,
) -> None:
    encounter = _walk_in(staff, "REFER-1")["encounter_id"]
    csrf = staff.login(Role.clinician)
    page = staff.client.get(f"/encounters/{encounter}").text
    assert 'id="refer-form"' in page and 'value="county-hospital"' in page
    assert 'id="no-targets"' not in page
    db = staff.app.state.runtime.databases.get()
    with db.conn:
        db.conn.execute("DELETE FROM facilities WHERE tier <> 'primary'")
    page = staff.client.get(f"/encounters/{encounter}").text
    assert 'id="refer-form"' not in page, "no form whose list is empty"
    said = page.split('id="no-targets">')[1].split("</p>")[0]
    assert "No hospital to refer to" in said and "triage referrals facilities load" in said
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = staff.client.get(f"/encounters/{encounter}").text
    assert "没有可转诊的医院：机构目录中没有二级或三级医院。" in page
