"""Every numeric bound of a clinic policy file on both sides: a value on the bound and one just
inside it are taken (and are the policy's), one just outside is refused in one line naming the
file, the line, the key and what is allowed. Mutation testing of triage/policy.py (a bound one
step off, ``<`` turned ``<=``) left mutants of these checks alive: the tests used values far from
the bounds (25 for a critical high of at most 22.2, 1440 for a re-check of at most 15). Real TOML
files read by the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.assessment import Disposition
from triage.errors import ConfigError
from triage.policy import Policy, load_policy

GLUCOSE_LOW = (
    "would lower red-flag rule glucose_critical_low: a glucose below 3.0 mmol/L (54 mg/dL) is level 2"
    " hypoglycaemia (ADA), an urgent referral, not local care; allowed: 3.0 to 4.0 (a higher value escalates)"
)
GLUCOSE_HIGH = (
    "would lower red-flag rule glucose_critical_high: a glucose above 22.2 mmol/L (400 mg/dL) is an urgent"
    " referral under the built-in policy, and would be local care; allowed: 11.1 to 22.2 (a lower value"
    " escalates)"
)
STALE = (
    "hours would ignore a reading taken earlier in the visit as stale, and with it any red flag it"
    " shows; allowed: 1 to 876600 hours"
)
LATER = "(sooner is allowed, later never)"


def _later(key: str, minutes: int, subject: str, limit: str, why: str = "") -> str:
    allowed = "0 (now)" if limit.endswith(" 0") else f"0 to {limit.rsplit(' ', 1)[1]}"
    return f"{key}: {minutes} would re-assess {subject} later than {limit} minutes{why}; allowed: {allowed} {LATER}"


def _ge(key: str, value: str, bound: str) -> str:
    return f"{key}: Input should be greater than or equal to {bound} (got {value})"


def _le(key: str, value: str, bound: str) -> str:
    return f"{key}: Input should be less than or equal to {bound} (got {value})"


# (table, key, just inside, on the bound, just outside - as written in the file -, what is said of
# the value just outside)
BOUNDS = [
    # [glucose] critical_low_mmol_l: 3.0 (ADA level 2) to 4.0; critical_high_mmol_l: 11.1 to the built-in 22.2
    (
        "glucose",
        "critical_low_mmol_l",
        "3.01",
        "3.0",
        "2.99",
        f"glucose.critical_low_mmol_l: 2.99 {GLUCOSE_LOW}",
    ),
    (
        "glucose",
        "critical_low_mmol_l",
        "3.99",
        "4.0",
        "4.01",
        _le("glucose.critical_low_mmol_l", "4.01", "4"),
    ),
    (
        "glucose",
        "critical_high_mmol_l",
        "11.11",
        "11.1",
        "11.09",
        _ge("glucose.critical_high_mmol_l", "11.09", "11.1"),
    ),
    (
        "glucose",
        "critical_high_mmol_l",
        "22.19",
        "22.2",
        "22.21",
        f"glucose.critical_high_mmol_l: 22.21 {GLUCOSE_HIGH}",
    ),
    # [freshness] default_hours and [freshness.hours] <code>: 1 to 876600 hours (100 years)
    ("freshness", "default_hours", "1.01", "1", "0.99", f"freshness.default_hours: 0.99 {STALE}"),
    (
        "freshness",
        "default_hours",
        "876599.99",
        "876600",
        "876600.01",
        _le("freshness.default_hours", "876600.01", "876600"),
    ),
    ("freshness.hours", "spo2", "1.01", "1", "0.99", f"freshness.hours.spo2: 0.99 {STALE}"),
    (
        "freshness.hours",
        "spo2",
        "876599.99",
        "876600",
        "876600.01",
        _le("freshness.hours.spo2", "876600.01", "876600"),
    ),
    # [freshness] future_tolerance_minutes: 0 to 60
    (
        "freshness",
        "future_tolerance_minutes",
        "0.01",
        "0",
        "-0.01",
        _ge("freshness.future_tolerance_minutes", "-0.01", "0"),
    ),
    (
        "freshness",
        "future_tolerance_minutes",
        "59.99",
        "60",
        "60.01",
        "freshness.future_tolerance_minutes: 60.01 would use a reading stamped up to 60.01 minutes after the"
        " assessment time (a device clock set wrong) as the latest, superseding every reading taken since;"
        " allowed: 0 to 60 minutes",
    ),
    # [recheck_minutes]: 0 or more; the urgent ones at most the built-in, the lower ones at most 14 / 90 days
    (
        "recheck_minutes",
        "local_care",
        "1",
        "0",
        "-1",
        "recheck_minutes.local_care: must be 0 or more, got -1",
    ),
    (
        "recheck_minutes",
        "emergency_transfer",
        "14",
        "15",
        "16",
        _later("recheck_minutes.emergency_transfer", 16, "emergency_transfer", "the built-in 15"),
    ),
    (
        "recheck_minutes",
        "urgent_referral",
        "59",
        "60",
        "61",
        _later("recheck_minutes.urgent_referral", 61, "urgent_referral", "the built-in 60"),
    ),
    (
        "recheck_minutes",
        "routine_referral",
        "20159",
        "20160",
        "20161",
        _later(
            "recheck_minutes.routine_referral",
            20161,
            "routine_referral",
            "the longest allowed 20160",
            " (14 days: a referral is followed up within 2 weeks)",
        ),
    ),
    (
        "recheck_minutes",
        "local_care",
        "129599",
        "129600",
        "129601",
        _later(
            "recheck_minutes.local_care",
            129601,
            "local_care",
            "the longest allowed 129600",
            " (90 days: at least 4 follow-ups a year)",
        ),
    ),
    # [rules.<rule>] recheck_minutes: 0 to the rule's own interval (level-1 hypoglycaemia: 15), else
    # to the longest any disposition may have (local care's 129600)
    (
        "rules.hypoglycaemia_level1",
        "recheck_minutes",
        "1",
        "0",
        "-1",
        _ge("rules.hypoglycaemia_level1.recheck_minutes", "-1", "0"),
    ),
    (
        "rules.spo2_low",
        "recheck_minutes",
        "129599",
        "129600",
        "129601",
        _later(
            "rules.spo2_low.recheck_minutes",
            129601,
            "spo2_low",
            "the longest allowed 129600",
            " (the longest any disposition may have: local_care's 90 days: at least 4 follow-ups a year)",
        ),
    ),
]
# the bounds with no value on them that is taken: insufficient_data is re-checked now (0, taken; 1
# refused), a rule's own interval is its longest (level-1 hypoglycaemia: 15 and 14 taken), a model's
# threshold is a probability strictly between 0 and 1, models.max_level at most urgent_referral
ALSO_TAKEN = [
    ("recheck_minutes", "insufficient_data", "0"),
    # a rule whose own interval is 0 (now) moved without a re-check of its own keeps that 0
    ("rules.news2_incomplete", "level", '"routine_referral"'),
    ("rules.hypoglycaemia_level1", "recheck_minutes", "14"),
    ("rules.hypoglycaemia_level1", "recheck_minutes", "15"),
    ("models.cvd10", "threshold", "0.0001"),
    ("models.cvd10", "threshold", "0.9999"),
    ("models", "max_level", '"urgent_referral"'),
]
ALSO_REFUSED = [
    (
        "recheck_minutes",
        "insufficient_data",
        "1",
        _later("recheck_minutes.insufficient_data", 1, "insufficient_data", "the built-in 0"),
    ),
    ("models.cvd10", "threshold", "0", "models.cvd10.threshold: Input should be greater than 0 (got 0)"),
    ("models.cvd10", "threshold", "1", "models.cvd10.threshold: Input should be less than 1 (got 1)"),
    (
        "models",
        "max_level",
        '"emergency_transfer"',
        'models.max_level: "emergency_transfer" is not allowed; at most "urgent_referral"',
    ),
]


def _write(tmp_path: Path, table: str, key: str, value: str) -> Path:
    path = tmp_path / "clinic.toml"
    path.write_text(f'version = "c"\n\n[{table}]\n{key} = {value}\n', encoding="utf-8")
    return path


def _setting(policy: Policy, table: str, key: str) -> object:
    """The loaded policy's value of ``[table] key``."""
    if table in ("glucose", "freshness"):
        return getattr(getattr(policy, table), key)
    if table == "freshness.hours":
        return policy.freshness.hours[key]
    if table == "recheck_minutes":
        return policy.recheck_minutes[Disposition(key)]
    if table.startswith("rules."):
        return getattr(policy.rules[table.removeprefix("rules.")], key)
    if table.startswith("models."):
        return getattr(policy.models.for_model(table.removeprefix("models.")), key)
    return getattr(policy.models, key).value


REFUSED = [(table, key, outside, said) for table, key, _, _, outside, said in BOUNDS] + ALSO_REFUSED
TAKEN = [
    (table, key, value) for table, key, inside, on, _, _ in BOUNDS for value in (inside, on)
] + ALSO_TAKEN


@pytest.mark.parametrize(("table", "key", "value", "said"), REFUSED, ids=[f"{b[1]}={b[2]}" for b in REFUSED])
def test_a_value_just_outside_a_bound_is_refused_saying_what_is_allowed(
    tmp_path: Path, table: str, key: str, value: str, said: str
) -> None:
    path = _write(tmp_path, table, key, value)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(info.value) == f"policy file {path}: line 4: {said}"


@pytest.mark.parametrize(("table", "key", "value"), TAKEN, ids=[f"{b[1]}={b[2]}" for b in TAKEN])
def test_a_value_on_a_bound_or_just_inside_it_is_taken(
    tmp_path: Path, table: str, key: str, value: str
) -> None:
    policy = load_policy(_write(tmp_path, table, key, value))
    assert _setting(policy, table, key) == (value.strip('"') if value.startswith('"') else float(value))


@pytest.mark.parametrize(
    ("table", "key", "value", "said"),
    [
        ("glucose", "critical_low_mmol_l", "0", f"glucose.critical_low_mmol_l: 0 {GLUCOSE_LOW}"),
        ("glucose", "critical_low_mmol_l", "-1", f"glucose.critical_low_mmol_l: -1 {GLUCOSE_LOW}"),
        ("glucose", "critical_high_mmol_l", "40.01", f"glucose.critical_high_mmol_l: 40.01 {GLUCOSE_HIGH}"),
        ("glucose", "critical_high_mmol_l", "45", f"glucose.critical_high_mmol_l: 45 {GLUCOSE_HIGH}"),
        ("freshness", "default_hours", "0", f"freshness.default_hours: 0 {STALE}"),
        ("freshness.hours", "spo2", "-2", f"freshness.hours.spo2: -2 {STALE}"),
    ],
)
def test_a_value_far_outside_is_told_the_range_that_is_allowed(
    tmp_path: Path, table: str, key: str, value: str, said: str
) -> None:
    """A critical high of 45 was told 'Input should be less than or equal to 40', and 40 then
    'allowed: 11.1 to 22.2'; a critical low of 0 'greater than 0', then 0.5 'allowed: 3.0 to 4.0'; a
    freshness limit of 0 hours 'greater than 0', then 0.5 'allowed: 1 to 876600 hours': bounds wider
    than the safe range, said before it. Now the first answer names the range that is allowed."""
    path = _write(tmp_path, table, key, value)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(info.value) == f"policy file {path}: line 4: {said}"
