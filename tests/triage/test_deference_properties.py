"""Rule deference (``triage.rule_precedence``) over random patients, vital signs and laboratory
results: a reason that says it is supporting evidence names a rule that fired in the same
assessment, is a red flag and asks for more than it does, and whose own reason is not supporting
evidence in turn - the action it points to is one the patient gets. Deference changes no level: the
disposition is at least the named rule's level."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.triage.conftest import NOW, RECENT
from tests.triage.test_safety_properties import FAST, POLICY, Reading, patients, to_obs, vital_sets
from triage.assess import assess
from triage.assessment import LEVEL_RANK, URGENCY
from triage.observation import Observation
from triage.patient import PatientContext
from triage.rules import RULES_BY_NAME

# results of the glycaemia and kidney rules that defer, on and around their cut-points
LABS = st.fixed_dictionaries(
    {},
    optional={
        "glucose_fasting": st.sampled_from([2.9, 3.0, 3.5, 7.5]),
        "glucose_random": st.sampled_from([2.5, 3.5, 11.1, 22.2, 22.3, 33.3, 40.0]),
        "hba1c": st.sampled_from([6.4, 6.5, 8.0]),
        "urine_ketones": st.sampled_from(["neg", "1+", "2+"]),
        "egfr": st.sampled_from([29.0, 30.0, 45.0, 75.0]),
        "albumin_creatinine_ratio": st.sampled_from([20.0, 45.0, 400.0]),
        "urine_protein": st.sampled_from(["neg", "1+", "2+", "3+"]),
    },
)


@FAST
@given(patients, vital_sets(), LABS, st.booleans())
def test_a_deferring_reason_points_to_an_action_the_patient_gets(
    patient: PatientContext,
    vitals: dict[str, Reading],
    labs: dict[str, float | str],
    hypertension: bool,
) -> None:
    patient = patient.model_copy(update={"hypertension": hypertension or None})
    obs = to_obs(vitals) + [
        Observation.create(code, value, observed_at=RECENT) for code, value in labs.items()
    ]
    a = assess(patient, obs, POLICY, now=NOW)
    fired = {r.rule: r for r in a.reasons}
    for r in a.reasons:
        higher = r.values.get("deferred_to")
        if higher is None:
            continue
        named = fired.get(str(higher))
        assert named is not None, (r, sorted(fired))
        assert RULES_BY_NAME[named.rule].red_flag, named.rule
        assert LEVEL_RANK[named.level] > LEVEL_RANK[r.level], (r.rule, named.rule)
        assert "deferred_to" not in named.values, (r.rule, named.rule, named.values["deferred_to"])
        assert f"{r.rule}: supporting evidence for {higher}" in r.detail, r.detail
        assert URGENCY[a.disposition] >= URGENCY[named.level], (a.disposition, named.rule)
