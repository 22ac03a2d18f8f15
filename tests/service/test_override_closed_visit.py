"""A clinician's override to a referral after the visit was closed (a result read after the patient
left: the decision is changed on the closed visit's page) proposed nothing, while the same override
on an open visit proposes one: the patient was judged to need a referral and nobody was asked to
send it. Now it proposes as on an open visit (a referral outlives its visit), and the page says so.
An override of an assessment that is no longer the visit's latest still proposes nothing: the
decision in force is the latest's. Real uvicorn on a real SQLite file, the override sent through
the staff page's form. The module's two tests share one service (:func:`served`)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import PASSWORD
from tests.service.served import Served
from tests.service.served_once import served_in
from tests.service.test_browser_desk import CALM
from triage.service.auth import Role


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Served]:
    """One service for both tests (each started its own: a copy of the seeded log, create_app,
    uvicorn, the /openapi.json its client checks answers against). They do not interfere: each walks
    in a patient of its own (OVR-CLOSED-1, OVR-OLD-1) and reads the referrals of its own visit."""
    with served_in(tmp_path_factory.mktemp("override_closed"), seeded) as shared:
        yield shared


def _page_override(served: Served, assessment_id: int, disposition: str) -> str:
    """The override sent through the patient page's form as the clinician; the notice it leads to."""
    client = served.sync.client
    page = client.post("/login", data={"username": "clinician", "password": PASSWORD}, follow_redirects=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "disposition": disposition, "reason": "troponin back raised"}
    shown = client.post(f"/assessments/{assessment_id}/override", data=form, follow_redirects=True)
    assert shown.status_code == 200, shown.text
    client.cookies.clear()
    notice = re.search(r'id="done"[^>]*>(.*?)</p>', shown.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", notice.group(1))) if notice else ""


def test_an_override_to_a_referral_on_a_closed_visit_proposes_one(served: Served) -> None:
    sync = served.sync
    body = {"patient": {"mrn": "OVR-CLOSED-1"}, "observations": CALM}
    made = sync.call("POST", "/api/v1/assessments", Role.nurse, body)
    encounter = made["encounter_id"]
    sync.call("POST", f"/api/v1/encounters/{encounter}/close", Role.nurse, {"reason": "home, well"})
    said = _page_override(served, made["id"], "urgent_referral")
    assert "so triage proposed a referral" in said, said
    (proposal,) = sync.call("GET", f"/api/v1/referrals?encounter_id={encounter}", Role.clinician)
    assert (proposal["status"], proposal["urgency"]) == ("proposed", "urgent")


def test_an_override_of_an_assessment_no_longer_the_latest_proposes_nothing(served: Served) -> None:
    sync = served.sync
    made = sync.call(
        "POST", "/api/v1/assessments", Role.nurse, {"patient": {"mrn": "OVR-OLD-1"}, "observations": CALM}
    )
    encounter = made["encounter_id"]
    sync.call("POST", f"/api/v1/encounters/{encounter}/assessments", Role.nurse, {})  # a newer one
    said = _page_override(served, made["id"], "urgent_referral")
    assert "proposed" not in said, said
    assert sync.call("GET", f"/api/v1/referrals?encounter_id={encounter}", Role.clinician) == []
