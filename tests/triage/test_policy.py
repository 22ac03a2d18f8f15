"""Clinic policy TOML: merging over safe defaults and validation that names the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.assessment import Disposition
from triage.errors import ConfigError
from triage.policy import load_policy
from triage.rules import RULES


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_defaults() -> None:
    p = load_policy()
    assert p.version == "builtin-2026.11"
    assert p.rule_level("news2_emergency") is Disposition.emergency_transfer
    assert p.rule_level("crb65_intermediate") is None  # off by default
    assert p.models.max_level is Disposition.routine_referral
    assert p.glucose.critical_low_mmol_l == 3.0 and p.glucose.critical_high_mmol_l == 22.2
    assert all(r.minimum is not None for r in RULES if r.red_flag)


def test_clinic_file_merges_over_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
version = "clinic-42-v3"
[glucose]
critical_high_mmol_l = 20.0
[rules.crb65_intermediate]
level = "routine_referral"
[rules.spo2_low]
level = "local_care"
recheck_minutes = 30
[models.cvd10]
threshold = 0.25
""",
    )
    p = load_policy(path)
    assert p.version == "clinic-42-v3" and p.source == str(path)
    assert p.glucose.critical_high_mmol_l == 20.0 and p.glucose.critical_low_mmol_l == 3.0
    assert p.rule_level("crb65_intermediate") is Disposition.routine_referral
    assert p.rule_level("spo2_low") is Disposition.local_care and p.rule_recheck("spo2_low") == 30
    assert p.models.for_model("cvd10").threshold == 0.25
    assert p.freshness.max_age_hours("sbp") == 24  # untouched defaults survive


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            '[rules.news2_emergency]\nlevel = "off"',
            "rules.news2_emergency.level: a red-flag rule cannot be switched off",
        ),
        (
            '[rules.hypertensive_crisis]\nlevel = "routine_referral"',
            'rules.hypertensive_crisis.level: "routine_referral" would lower',
        ),
        ('[rules.no_such_rule]\nlevel = "local_care"', "rules.no_such_rule: unknown rule"),
        (
            '[rules.spo2_low]\nlevel = "insufficient_data"',
            'rules.spo2_low.level: a rule cannot ask for "insufficient_data"',
        ),
        ('[rules.spo2_low]\nlevel = "soon"', "rules.spo2_low.level"),
        (
            '[models]\nmax_level = "emergency_transfer"',
            'models.max_level: "emergency_transfer" is not allowed',
        ),
        (
            '[models.cvd10]\nlevel = "urgent_referral"',
            'models.cvd10.level: "urgent_referral" is above models.max_level',
        ),
        ("[models.cvd10]\nthreshold = 1.5", "models.cvd10.threshold"),
        (
            "[models.cvd10]\nthreshhold = 0.5",
            "models.cvd10.threshhold: unknown key; known: threshold, level, enabled",
        ),
        ('[glucose]\ncritical_low_mmol_l = "low"', "glucose.critical_low_mmol_l"),
        ("[glucose]\ncritical_low_mmol_l = 3.5\ncritical_high_mmol_l = 3.0", "glucose.critical_high_mmol_l"),
        ('[decisive]\ncodes = ["pulse"]', 'unknown observation code "pulse"'),
        ("colour = 1", "colour: unknown key; known: version, name, source, glucose"),
        ("[recheck_minutes]\nlocal_care = -5", "recheck_minutes.local_care"),
        # a red flag lowered to every level below its default
        (
            '[rules.news2_emergency]\nlevel = "local_care"',
            'rules.news2_emergency.level: "local_care" would lower',
        ),
        (
            '[rules.spo2_critical]\nlevel = "routine_referral"',
            'rules.spo2_critical.level: "routine_referral"',
        ),
        ('[rules.glucose_critical_low]\nlevel = "insufficient_data"', "rules.glucose_critical_low.level"),
        # raised blood pressure in pregnancy (possible pre-eclampsia) is a red flag: it was switchable off
        (
            '[rules.pregnancy_hypertension]\nlevel = "off"',
            "rules.pregnancy_hypertension.level: a red-flag rule cannot be switched off",
        ),
        (
            '[rules.pregnancy_hypertension]\nlevel = "routine_referral"',
            'rules.pregnancy_hypertension.level: "routine_referral" would lower',
        ),
        # model thresholds that are no probability: NaN compares false with everything
        ("[models.cvd10]\nthreshold = nan", "models.cvd10.threshold: Input should be a finite number"),
        ("[models.cvd10]\nthreshold = inf", "models.cvd10.threshold: Input should be a finite number"),
        ("[models.cvd10]\nthreshold = -0.1", "models.cvd10.threshold: Input should be greater than 0"),
        ("[models.cvd10]\nthreshold = 0", "models.cvd10.threshold: Input should be greater than 0"),
        ("[models.cvd10]\nthreshold = 1", "models.cvd10.threshold: Input should be less than 1"),
        # an escalation to a disposition there is not: one message listing the ones there are
        (
            '[rules.bp_grade_1_2]\nlevel = "ambulance"',
            "rules.bp_grade_1_2.level: not a disposition; use one of: emergency_transfer, urgent_referral, "
            'routine_referral, local_care, insufficient_data, off (got "ambulance")',
        ),
        ("[rules.bp_grade_1_2]\nlevel = 3", "rules.bp_grade_1_2.level: not a disposition"),
        ('[models.cvd10]\nlevel = "ambulance"', "models.cvd10.level"),
        ('[models]\nmax_level = "ambulance"', "models.max_level"),
        # other numbers that would switch a check off or overflow when the policy is used
        (
            "[glucose]\ncritical_low_mmol_l = nan",
            "glucose.critical_low_mmol_l: Input should be a finite number",
        ),
        ("[glucose]\ncritical_high_mmol_l = nan", "glucose.critical_high_mmol_l: Input should be a finite"),
        ("[freshness.hours]\nspo2 = nan", "freshness.hours.spo2: Input should be a finite number"),
        (
            "[freshness.hours]\nspo2 = -5",
            "freshness.hours.spo2: -5 hours would ignore a reading taken earlier",
        ),
        (
            "[freshness.hours]\nspo2 = 1e300",
            "freshness.hours.spo2: Input should be less than or equal to 876600",
        ),
        ("[freshness]\ndefault_hours = inf", "freshness.default_hours: Input should be a finite number"),
        ("[freshness]\nfuture_tolerance_minutes = nan", "freshness.future_tolerance_minutes"),
    ],
)
def test_invalid_policies_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert "\n" not in message


def test_longest_freshness_limit_is_usable(tmp_path: Path) -> None:
    """The largest limit validation lets through still makes a time limit (a larger one overflowed
    ``timedelta`` on the first assessment, past validation)."""
    from triage.policy import MAX_FRESHNESS_HOURS

    policy = load_policy(write(tmp_path, f"[freshness]\ndefault_hours = {MAX_FRESHNESS_HOURS}"))
    assert policy.runtime.default_age.days == MAX_FRESHNESS_HOURS / 24


def test_unreadable_policy_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_policy(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_policy(write(tmp_path, "version = "))
    with pytest.raises(ConfigError, match="is a directory"):
        load_policy(tmp_path)


def test_runtime_model_settings_match_the_policy_lookups() -> None:
    """``assess()`` reads model settings from ``policy.runtime`` (resolved once); they must be what
    ``models.for_model`` / ``models.level_for`` say, for listed and unlisted models alike."""
    from triage.policy import policy_from_mapping

    policies = [
        load_policy(),
        policy_from_mapping(
            {
                "models": {
                    "max_level": "urgent_referral",
                    "default_level": "local_care",
                    "cvd10": {"threshold": 0.05, "level": "urgent_referral"},
                    "ckd": {"enabled": False},
                    "diabetes": {"level": "routine_referral"},
                }
            }
        ),
        policy_from_mapping({"models": {"max_level": "local_care", "stroke10": {"threshold": 0.3}}}),
    ]
    for policy in policies:
        for name in ("cvd10", "stroke10", "diabetes", "ckd", "not-in-any-policy"):
            setting = policy.runtime.model(name)
            expected = policy.models.for_model(name)
            assert (setting.enabled, setting.threshold, setting.level) == (
                expected.enabled,
                expected.threshold,
                policy.models.level_for(name),
            ), (policy.models, name)


def test_a_policy_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Notepad's UTF-8 writes a byte order mark: the policy was 'invalid TOML: Invalid statement (at
    line 1, column 1)' though it reads right; the lines of its errors count as the editor shows them."""
    path = tmp_path / "clinic.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'version = "clinic-bom"\n[glucose]\ncritical_low_mmol_l = 3.5\n')
    policy = load_policy(path)
    assert policy.version == "clinic-bom" and policy.glucose.critical_low_mmol_l == 3.5
    path.write_bytes(b"\xef\xbb\xbf" + b'rules.news2_emergency.level = "off"\n')
    with pytest.raises(ConfigError, match=rf"^policy file {path}: line 1: rules\.news2_emergency\.level: "):
        load_policy(path)
