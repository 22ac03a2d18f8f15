"""The override form's choices are written alike: in English each in sentence case ("Emergency
transfer", "Local care"), where the decision's own upper case (EMERGENCY TRANSFER, URGENT REFERRAL,
kept where a decision is shown to warn) made two of the five shout among the others."""

from __future__ import annotations

import re

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def test_the_override_choices_are_in_sentence_case(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse)).json()
    staff.login(Role.clinician)
    html = staff.client.get(f"/encounters/{made['encounter_id']}").text
    form = html[html.index('id="override-form"') :]
    select = form[form.index('<select name="disposition"') : form.index("</select>")]
    choices = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', select))
    assert choices == {
        "emergency_transfer": "Emergency transfer",
        "urgent_referral": "Urgent referral",
        "routine_referral": "Routine referral",
        "local_care": "Local care",
        "insufficient_data": "Insufficient data",
    }, choices
