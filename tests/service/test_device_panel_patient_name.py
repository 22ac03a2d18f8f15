"""The devices page named the patient a bedside device is attached to by the visit's number and
record number only ("Visit #53 · DEMO-0052"), where the queue, the patient page and the held
results' Assign list name the patient: a nurse checking which patient the pulse oximeter is on -
before detaching it, or after a result went to the wrong chart - had to look the number up. Now the
name comes first ("王芳 · Visit #53 · ATTACHED-NAME"), shown isolated as every patient's name is;
a patient registered without a name keeps the number alone. Real gateway (the demo's simulated
devices on pseudo-terminals), real SQLite file, the page's own forms with CSRF."""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_device_panel_roles import panel, row
from triage.service.auth import Role

__all__ = ["panel"]

NAME = "王芳"


def _attach(panel: Staff, csrf: str, mrn: str, name: str) -> None:
    sent = panel.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": mrn, "name": name}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    attached = panel.client.post(
        f"{sent.headers['location']}/devices",
        data={"csrf_token": csrf, "device_id": "demo-oximeter", "replace": "1"},
        follow_redirects=False,
    )
    assert attached.status_code == 303, attached.text


def test_the_devices_page_names_the_patient_a_device_is_attached_to(panel: Staff) -> None:
    csrf = panel.login(Role.nurse)
    _attach(panel, csrf, "ATTACHED-NAME", NAME)
    cell = row(panel.client.get("/devices").text, "demo-oximeter").split('class="attached"')[1]
    assert NAME in cell, f"the attached patient's name is not on the devices page: {cell[:400]}"
    assert "ATTACHED-NAME" in cell
    assert cell.index(NAME) < cell.index("ATTACHED-NAME"), "the name comes first, as on the queue"

    _attach(panel, csrf, "ATTACHED-NO-NAME", "")
    cell = row(panel.client.get("/devices").text, "demo-oximeter").split('class="attached"')[1]
    assert "ATTACHED-NO-NAME" in cell and NAME not in cell, cell[:400]
