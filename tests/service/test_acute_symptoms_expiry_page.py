"""On the patient page, "none" recorded for the acute symptoms before a severe pressure measured
since is not ticked again on the "assess now" form: the engine asks again (``triage.readings.unasked``)
and the form, which showed "Asked - none of these" still ticked, sent it back unasked with the next
"assess now" - the question silenced by a click. Now the group is asked for with nothing ticked;
sending nothing is refused as unticking is, and ticking "none" again answers it. Through the page's
own form with CSRF on the real service and a real SQLite file."""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_acute_symptoms_page_form import _group, _latest, _severe


def test_none_before_a_later_severe_pressure_is_not_ticked_again(staff: Staff) -> None:
    csrf, page = _severe(staff, "SYM-NONE-LATER")
    none = {"csrf_token": csrf, "acute_symptoms": ["none"]}
    assert staff.client.post(f"{page}/assess", data=none, follow_redirects=False).status_code == 303
    assert "acute_symptoms" not in _latest(staff, page)["assessment"]["missing_inputs"]
    assert 'value="none" checked' in _group(staff.client.get(page).text)

    later = staff.client.post(f"{page}/vitals", data={"csrf_token": csrf, "sbp": "192", "dbp": "114"})
    assert later.status_code == 200, later.text
    assert "acute_symptoms" in _latest(staff, page)["assessment"]["missing_inputs"]
    html = staff.client.get(page).text
    assert " checked" not in _group(html), "the earlier 'none' is no answer for this pressure"
    assert 'class="symptoms asked-for"' in html

    back = staff.client.post(f"{page}/assess", data={"csrf_token": csrf})
    assert back.status_code == 422, back.text
    assert "Acute symptoms were recorded earlier" in _group(back.text)
    assert staff.client.post(f"{page}/assess", data=none, follow_redirects=False).status_code == 303
    assert "acute_symptoms" not in _latest(staff, page)["assessment"]["missing_inputs"], "asked again: none"
