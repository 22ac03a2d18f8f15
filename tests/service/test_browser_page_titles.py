"""Each staff page's title names the page - a patient's page the patient, first - then the
application. Every page was titled "Clinic triage" / 诊所分诊: a screen reader announced only that as
a page opened, and a nurse with two patients' pages open in two tabs saw two tabs of the same name,
one step from typing a reading into the wrong patient's. A real Chromium on a real uvicorn server
over a real SQLite file, keyboard and tab strip as a nurse (Chinese, 768 px) and a clinician
(English, 1024 px) meet them."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["browser", "desk", "pytestmark"]


def test_every_page_is_titled_by_what_it_shows_and_a_patient_s_page_by_the_patient(
    browser: object, desk: Desk
) -> None:
    for role, language, width in ((Role.nurse, "zh", 768), (Role.clinician, "en", 1024)):
        said = catalogue(language)
        app = said("app.title")
        wang = desk.api(
            Role.nurse,
            "/assessments",
            {"patient": {"mrn": f"TAB-{language}-1", "name": "Wang Fang"}, "observations": CALM},
        )
        other = desk.api(
            Role.nurse, "/assessments", {"patient": {"mrn": f"TAB-{language}-2"}, "observations": CALM}
        )
        page: Any = log_in(browser, desk, role, width, language)
        titles = {}
        for path, heading in (
            ("/queue", "queue.title"),
            ("/referrals", "referrals.title"),
            ("/patients", "find.title"),
            ("/devices", "devices.title"),
            ("/account/password", "password.title"),
            ("/no-such-page", "error.title"),
        ):
            page.goto(f"{desk.url}{path}")
            titles[path] = page.title()
            assert titles[path] == f"{said(heading)} · {app}", (language, path, titles[path])
        assert len(set(titles.values())) == len(titles), f"two pages of one title: {titles}"
        # two patients' pages, side by side in two tabs: each tab names its patient first (the
        # second tab in the first's session, its cookies, as a tab of the same browser is: no login)
        second: Any = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 900}, storage_state=page.context.storage_state()
        ).new_page()
        page.goto(f"{desk.url}/encounters/{wang['encounter_id']}")
        second.goto(f"{desk.url}/encounters/{other['encounter_id']}")
        patient = said("patient.title")
        assert page.title() == f"\u2068Wang Fang\u2069 · TAB-{language}-1 · {patient} · {app}", page.title()
        assert second.title() == f"TAB-{language}-2 · {patient} · {app}", second.title()
        second.context.close()
        # the login page after signing out, in the clinic's language (for the next person)
        page.locator("form[action='/logout'] button").click()
        page.wait_for_url("**/login**")
        clinic = catalogue("zh")
        assert page.title() == f"{clinic('login.title')} · {clinic('app.title')}", page.title()
        close_tab(page)
