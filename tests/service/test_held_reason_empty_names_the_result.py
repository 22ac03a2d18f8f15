"""A held result's Assign or Dismiss pressed with a reason of spaces only (the browser's
``required`` lets spaces through) leads to the error page, where the row is out of sight: it said
"Please give a reason: the field was empty." / 请填写原因（该栏为空）。 and named the result only
in the English record ("device result 7"). It now names the result as the nurse saw it in the row,
by its device and sample, in her language; nothing is recorded. Real service, real SQLite file."""

from __future__ import annotations

import html

import pytest

from tests.service.conftest import Staff
from tests.service.test_held_results import lab_message, lab_result, open_encounter
from triage.service.auth import Role


@pytest.mark.parametrize(
    ("language", "assign", "dismiss"),
    [
        (
            "en",
            "Please give a reason for assigning the result from lab-analyzer (sample R-7): the Reason field was empty.",
            "Please give a reason for dismissing the result from lab-analyzer (sample R-8): the Reason field was empty.",
        ),
        (
            "zh",
            "请填写指派 lab-analyzer 结果（样本 R-7）的原因",
            "请填写作废 lab-analyzer 结果（样本 R-8）的原因",
        ),
    ],
)
def test_an_empty_reason_names_the_result_by_its_device_and_sample(
    staff: Staff, language: str, assign: str, dismiss: str
) -> None:
    first, second = lab_message(
        staff,
        lab_result("GLU", code="glucose_random", sample="R-7"),
        lab_result("GLU", code="glucose_random", sample="R-8"),
    )
    visit = open_encounter(staff, "REASON-1")
    csrf = staff.login(Role.nurse)
    if language == "zh":
        staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    refused = staff.client.post(
        f"/devices/results/{first}/assign",
        data={"csrf_token": csrf, "encounter_id": str(visit), "reason": "  "},
    )
    assert refused.status_code == 422
    assert assign in html.unescape(refused.text), refused.text[-1500:]
    refused = staff.client.post(
        f"/devices/results/{second}/dismiss", data={"csrf_token": csrf, "reason": " "}
    )
    assert refused.status_code == 422
    assert dismiss in html.unescape(refused.text), refused.text[-1500:]
    db = staff.app.state.runtime.databases.get()
    assert db.conn.execute("SELECT count(*) FROM device_result_reviews").fetchone() == (0,), (
        "nothing recorded"
    )
