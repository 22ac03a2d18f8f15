"""A referral triage proposed on a device's results says "Proposed by triage" where the referrals
list and the patient page say who made a referral - they said "Referred by device-gateway", the
account the device pipeline writes as, as if a device (or, for a held result assigned on the
devices page, the nurse who assigned it) had referred the patient. Made through the real pipeline
(``DevicePipeline.propose_referral``, as on a device's results), in a real Chromium on a real
uvicorn server over a real SQLite file, in English at 1366 px and Chinese at 360 px."""

from __future__ import annotations

from typing import Any

from referral import store
from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role
from triage.service.pages.clock import clock
from triage.service.pipeline import DevicePipeline

__all__ = ["browser", "desk", "pytestmark"]


def test_a_referral_triage_proposed_says_so(browser: object, desk: Desk) -> None:
    made = desk.api(Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": "BY-TRIAGE"}})
    runtime = desk.app.state.runtime
    db = runtime.databases.get()
    proposed = DevicePipeline(runtime, runtime.extras["clinic"]).propose_referral(
        db, store.get_assessment(db, int(made["id"]))
    )
    assert proposed is not None and proposed["created_by"] == "device-gateway"
    at = clock(proposed["created_at"], clinic=runtime.clock)
    says = {
        "en": ("Proposed by triage", f"Proposed by triage, {at}"),
        "zh": ("分诊系统建议", f"分诊系统于 {at} 建议"),
    }
    page: Any = None
    for language, width in (("en", 1366), ("zh", 360)):
        if page is None:  # one sign-in: it signed in through the login form for each language
            page = log_in(browser, desk, Role.nurse, width, language)
        switched(page, language, width)  # to Chinese: the header's switch on the English round's page
        for path, said in (
            ("/referrals", says[language][0]),
            (f"/encounters/{made['encounter_id']}", says[language][1]),
        ):
            page.goto(f"{desk.url}{path}")
            line = page.locator("td.status small.made-by").first.inner_text().strip()
            assert line == said, (language, path, line)
            assert "device-gateway" not in page.locator("td.status").first.inner_text()
            assert_fits(page, f"{path} ({language}, {width} px)")
    close_tab(page)
