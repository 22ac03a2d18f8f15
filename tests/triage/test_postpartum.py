"""Hypertension after birth (``patient.postpartum``: a birth in the last 6 weeks). ACOG Committee
Opinion 767 (2019) treats acute-onset severe hypertension (>=160 and/or >=110) postpartum as in
pregnancy - an emergency, treated within 30-60 minutes - and pre-eclampsia presents from 48 hours
to 6 weeks after birth (Hauspurg and Jeyabalan, Am J Obstet Gynecol 2022). With no field for it a
woman after birth was recorded ``pregnant: false`` and assessed as any adult: 150/95 and 160/105 were
local care ("confirm with repeat measurements on separate days", re-check in 30 days), 165/112 an
urgent referral. Now she is assessed as in pregnancy (``postpartum_hypertension``,
``postpartum_severe_hypertension``); ``pregnant: false`` without it is unchanged."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.errors import UserInputError
from triage.patient import PatientContext, patient_from_mapping
from triage.policy import Policy

E, U, L = Disposition.emergency_transfer, Disposition.urgent_referral, Disposition.local_care


@pytest.mark.parametrize(
    ("sbp", "dbp", "after_birth", "neither"),
    [(139, 89, L, L), (140, 85, U, L), (150, 95, U, L), (159, 109, U, L), (160, 105, E, L), (165, 112, E, U)],
)
def test_after_birth_a_raised_pressure_is_assessed_as_in_pregnancy(
    policy: Policy, sbp: int, dbp: int, after_birth: Disposition, neither: Disposition
) -> None:
    readings = [ob("sbp", sbp), ob("dbp", dbp)]
    decided = {
        answer: assess(
            PatientContext(age=29, sex="female", pregnant=False, postpartum=answer), readings, policy, now=NOW
        )
        for answer in (True, False, None)
    }
    assert decided[True].disposition is after_birth
    assert decided[False].disposition is neither and decided[None].disposition is neither
    if after_birth is E:
        (reason,) = [r for r in decided[True].reasons if r.rule == "postpartum_severe_hypertension"]
        assert (
            "after birth (postpartum, within 6 weeks) (>=160 and/or >=110): severe hypertension"
            in reason.detail
        )
        assert decided[True].recheck_minutes == 15 and reason.red_flag
    elif after_birth is U:
        (reason,) = [r for r in decided[True].reasons if r.rule == "postpartum_hypertension"]
        assert "same-day obstetric assessment for postpartum pre-eclampsia" in reason.detail


def test_postpartum_is_read_strictly_and_never_with_a_pregnancy() -> None:
    assert patient_from_mapping({"sex": "female", "postpartum": True}).postpartum is True
    with pytest.raises(UserInputError, match=r"patient\.postpartum: must be true or false"):
        patient_from_mapping({"postpartum": "yes"})
    with pytest.raises(UserInputError, match=r"patient\.postpartum, patient\.pregnant: both true"):
        patient_from_mapping({"sex": "female", "pregnant": True, "postpartum": True})
    with pytest.raises(
        UserInputError, match=r'patient\.postpartum: true is inconsistent with patient\.sex "male"'
    ):
        patient_from_mapping({"sex": "male", "postpartum": True})
