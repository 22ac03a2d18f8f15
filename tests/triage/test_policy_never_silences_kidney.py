"""A clinic's policy that switches a kidney rule off or sets it lower never silences another rule's
referral (``triage.rule_checks.leaves_to``).

``albuminuria`` leaves a pregnant woman's ACR of 8 mg/mmol (70.7 mg/g) or more, from 20 weeks and
below 140/90 mmHg, to ``pregnancy_proteinuria_acr`` (a hospital assessment within 48 hours). That
rule is no red flag: a clinic may set it to local care, and ``albuminuria`` then stayed silent - the
woman got local care where a patient who is not pregnant gets KDIGO's referral. The dipstick rules
(``proteinuria_1plus``, ``_2plus``, ``_3plus``) leave a dipstick to ``proteinuria_with_hypertension``
and, from 20 weeks, to the pre-eclampsia pathway's ``pregnancy_proteinuria_1plus`` / ``_2plus``;
they checked those rules' conditions themselves, so with either switched off (or set lower) nothing
said the dipstick. Each now leaves it only to a rule switched on at its own level or higher.

Every policy here is a real clinic TOML file loaded by ``load_policy``; every answer is ``assess()``'s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import LEVEL_RANK, Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy

E, U, R, L = (
    Disposition.emergency_transfer,
    Disposition.urgent_referral,
    Disposition.routine_referral,
    Disposition.local_care,
)
ACR_RULE = "pregnancy_proteinuria_acr"
AT_30 = {"pregnant": True, "gestation_weeks": 30}
KDIGO = "moderately or severely increased albuminuria: confirm on a repeat sample; refer (non-emergency)"


def _policy(tmp_path: Path, levels: dict[str, str]) -> Policy:
    """A clinic policy file setting these rules' levels, loaded as a clinic's would be."""
    path = tmp_path / "clinic.toml"
    tables = "".join(f'[rules.{rule}]\nlevel = "{level}"\n' for rule, level in levels.items())
    path.write_text(f'version = "clinic-test"\n{tables}', encoding="utf-8")
    return load_policy(path)


def _assess(policy: Policy, readings: list[Observation], **patient: object) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", **patient})
    return assess(context, readings, policy, now=NOW)


def _fired(a: Assessment) -> dict[str, Disposition]:
    return {r.rule: r.level for r in a.reasons}


# NICE NG133's cut-point as reported: 8 mg/mmol, 70.7 mg/g
ACRS = [pytest.param((8.0, "mg/mmol"), id="8 mg/mmol"), pytest.param((70.7, "mg/g"), id="70.7 mg/g")]
PREGNANCY = [pytest.param(AT_30, id="30 weeks"), pytest.param({"pregnant": True}, id="weeks not recorded")]


@pytest.mark.parametrize("pregnancy", PREGNANCY)
@pytest.mark.parametrize("acr", ACRS)
@pytest.mark.parametrize(
    ("setting", "fires", "level", "recheck"),
    [
        pytest.param("local_care", "albuminuria", R, 2880, id="acr rule at local care: KDIGO refers"),
        pytest.param("off", "albuminuria", R, 10080, id="acr rule off: KDIGO refers"),
        pytest.param(None, ACR_RULE, R, 2880, id="acr rule at its default: 48 hours"),
        pytest.param("urgent_referral", ACR_RULE, U, 60, id="acr rule raised: urgent"),
    ],
)
def test_a_pregnancy_acr_is_never_lower_than_kdigos_referral(
    tmp_path: Path,
    pregnancy: dict[str, object],
    acr: tuple[float, str],
    setting: str | None,
    fires: str,
    level: Disposition,
    recheck: int,
) -> None:
    """An ACR of 8 mg/mmol (70.7 mg/g) at 30 weeks (or the weeks not recorded) and 118/75 mmHg: the
    ACR rule reads it while it is on at albuminuria's level or higher; at local care, or off, KDIGO's
    routine referral stays - never the local care the clinic's ACR rule would give (at local care
    the ACR rule still says its 48 hours, its re-check kept)."""
    policy = _policy(tmp_path, {} if setting is None else {ACR_RULE: setting})
    a = _assess(policy, [ob("sbp", 118), ob("dbp", 75), ob("albumin_creatinine_ratio", *acr)], **pregnancy)
    fired = _fired(a)
    assert fires in fired, fired
    assert (a.disposition, a.recheck_minutes) == (level, recheck)
    assert LEVEL_RANK[a.disposition] >= LEVEL_RANK[R]  # never below KDIGO's referral
    if fires == "albuminuria":
        (kdigo,) = [r for r in a.reasons if r.rule == "albuminuria"]
        assert KDIGO in kdigo.detail and "deferred_to" not in kdigo.values
    else:
        assert "albuminuria" not in fired  # one action: the obstetric assessment's


def test_a_clinic_that_lowers_both_acr_rules_gets_the_level_it_chose(tmp_path: Path) -> None:
    """albuminuria at local care too: the ACR rule, at its level, reads the ACR alone - the clinic
    lowered KDIGO's rule itself, no other rule's."""
    policy = _policy(tmp_path, {ACR_RULE: "local_care", "albuminuria": "local_care"})
    a = _assess(
        policy, [ob("sbp", 118), ob("dbp", 75), ob("albumin_creatinine_ratio", 8.0, "mg/mmol")], **AT_30
    )
    assert _fired(a) == {ACR_RULE: L}


def test_below_the_cut_point_kdigo_reads_the_acr_whatever_the_acr_rule(tmp_path: Path) -> None:
    """7.9 mg/mmol is not the ACR rule's: KDIGO's referral with the ACR rule on, lowered or off."""
    readings = [ob("sbp", 118), ob("dbp", 75), ob("albumin_creatinine_ratio", 7.9, "mg/mmol")]
    for levels in ({}, {ACR_RULE: "local_care"}, {ACR_RULE: "off"}):
        a = _assess(_policy(tmp_path, levels), readings, **AT_30)
        assert _fired(a) == {"albuminuria": R}, levels


# a dipstick with no ACR, 130/80 mmHg: (patient, dipstick, the rule that reads it under the built-in
# policy, the dipstick rule that speaks once that rule is off or set lower, its level and re-check)
HYPERTENSIVE_MAN = {"age": 50, "sex": "male", "hypertension": True}
DIPSTICKS = [
    pytest.param(HYPERTENSIVE_MAN, "3+", "proteinuria_with_hypertension", "proteinuria_3plus", R, 10080, id="3+ hypertension"),
    pytest.param(HYPERTENSIVE_MAN, "2+", "proteinuria_with_hypertension", "proteinuria_2plus", L, 10080, id="2+ hypertension"),
    pytest.param(HYPERTENSIVE_MAN, "1+", "proteinuria_with_hypertension", "proteinuria_1plus", L, 40320, id="1+ hypertension"),
    pytest.param(AT_30, "3+", "pregnancy_proteinuria_2plus", "proteinuria_3plus", R, 10080, id="3+ at 30 weeks"),
    pytest.param({"pregnant": True}, "3+", "pregnancy_proteinuria_2plus", "proteinuria_3plus", R, 10080, id="3+ weeks not recorded"),
    pytest.param(AT_30, "2+", "pregnancy_proteinuria_2plus", "proteinuria_2plus", L, 10080, id="2+ at 30 weeks"),
    pytest.param(AT_30, "1+", "pregnancy_proteinuria_1plus", "proteinuria_1plus", L, 40320, id="1+ at 30 weeks"),
]  # fmt: skip


def _dipstick(patient: dict[str, object], protein: str, policy: Policy) -> Assessment:
    return _assess(policy, [ob("sbp", 130), ob("dbp", 80), ob("urine_protein", protein)], **patient)


# each switched off; set to local care where the dipstick rule is above it (a referral at 3+)
SILENCED = [
    pytest.param(setting, *case.values, id=f"{case.id}, reader {setting}")
    for case in DIPSTICKS
    for setting in ("off", "local_care")
    if setting == "off" or case.values[4] is not L
]


@pytest.mark.parametrize(
    ("setting", "patient", "protein", "reader", "dipstick_rule", "level", "recheck"), SILENCED
)
def test_a_rule_switched_off_or_lowered_leaves_the_dipstick_rules_action(
    tmp_path: Path,
    setting: str,
    patient: dict[str, object],
    protein: str,
    reader: str,
    dipstick_rule: str,
    level: Disposition,
    recheck: int,
) -> None:
    """proteinuria_with_hypertension, or the pre-eclampsia pathway's dipstick rule, switched off or
    set to local care: the KDIGO dipstick rule says its own action at its own level - at 3+ a
    referral, not the local care (or nothing) the silenced pair gave."""
    a = _dipstick(patient, protein, _policy(tmp_path, {reader: setting}))
    fired = _fired(a)
    assert fired.get(dipstick_rule) == level, fired
    assert LEVEL_RANK[a.disposition] >= LEVEL_RANK[level]
    assert a.recheck_minutes <= recheck


@pytest.mark.parametrize(
    ("patient", "protein", "reader", "dipstick_rule"),
    [pytest.param(*case.values[:4], id=case.id) for case in DIPSTICKS],
)
def test_a_rule_on_at_its_level_still_reads_the_dipstick_alone(
    tmp_path: Path, patient: dict[str, object], protein: str, reader: str, dipstick_rule: str
) -> None:
    """The other way: with the reader on at its default level (or raised), the KDIGO dipstick rule
    stays silent - one action, the reader's, as before."""
    for levels in ({}, {reader: "urgent_referral"}):
        fired = _fired(_dipstick(patient, protein, _policy(tmp_path, levels)))
        assert reader in fired and dipstick_rule not in fired, (levels, fired)


def test_a_dipstick_rule_at_local_care_keeps_its_sooner_re_check_beside_a_reader_at_local_care(
    tmp_path: Path,
) -> None:
    """Equal levels: proteinuria_with_hypertension at local care is re-checked at local care's 30
    days, later than proteinuria_1plus's 4 weeks, so the dipstick rule says its own action beside it
    (``leaves_to`` compares the re-checks too: ``tests/triage/test_leaves_to_recheck.py``); until
    2026-12-07 it was silent and the re-check was 30 days."""
    policy = _policy(tmp_path, {"proteinuria_with_hypertension": "local_care"})
    a = _dipstick(HYPERTENSIVE_MAN, "1+", policy)
    assert _fired(a) == {"proteinuria_with_hypertension": L, "proteinuria_1plus": L}
    assert a.recheck_minutes == 40320
