"""A rule's re-check is never later than the rule's own action says: ``hypoglycaemia_level1`` is
"treat now and re-check in 15 minutes" (ADA), ``news2_low_elevated`` "re-assess 4-6-hourly",
``news2_incomplete`` "measure them now". A clinic policy's ``[rules.<name>] recheck_minutes`` was
taken at any length: 1440 (a day, or hours meant as minutes) on level-1 hypoglycaemia made the
assessment say 're-check in 1 day' beside a reason saying 15 minutes. Sooner stays allowed, and so
does any interval for a rule that has none of its own (the disposition's then applies, the shorter
one winning). Refused in one line naming the file, the line and the key, and what is allowed.

Real TOML files and the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.errors import ConfigError
from triage.patient import PatientContext
from triage.policy import load_policy, policy_from_mapping
from triage.rules import RULES

WITH_RECHECK = [(r.name, r.recheck_minutes) for r in RULES if r.recheck_minutes is not None]


def refused(tmp_path: Path, rule: str, minutes: int) -> tuple[Path, str]:
    path = tmp_path / "clinic.toml"
    path.write_text(f'version = "c"\n[rules.{rule}]\nrecheck_minutes = {minutes}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    return path, str(info.value)


def test_level_1_hypoglycaemia_rechecked_in_a_day_is_refused(tmp_path: Path) -> None:
    path, message = refused(tmp_path, "hypoglycaemia_level1", 1440)
    assert message == (
        f"policy file {path}: line 3: rules.hypoglycaemia_level1.recheck_minutes: 1440 would re-assess"
        " hypoglycaemia_level1 later than the built-in 15 minutes (Glucose 3.0-3.8 mmol/L:"
        " treat now and re-check in 15 minutes); allowed: 0 to 15 (sooner is allowed, later never)"
    )


@pytest.mark.parametrize(("rule", "most"), WITH_RECHECK)
def test_every_rule_rechecked_later_than_its_own_interval_is_refused(
    rule: str, most: int, tmp_path: Path
) -> None:
    path, message = refused(tmp_path, rule, most + 1)
    allowed = "0 (now)" if most == 0 else f"0 to {most}"
    assert message.startswith(f"policy file {path}: line 3: rules.{rule}.recheck_minutes: {most + 1} would")
    assert message.endswith(f"; allowed: {allowed} (sooner is allowed, later never)") and "\n" not in message


def test_the_rules_with_their_own_interval_are_the_ones_whose_action_says_when() -> None:
    assert dict(WITH_RECHECK) == {
        "hypoglycaemia_level1": 15,
        "glucose_critical_low": 15,
        "bp_adolescent_stage_2": 10080,
        "bp_adolescent_stage_1": 10080,
        "proteinuria_1plus": 40320,
        "proteinuria_2plus": 10080,
        "pregnancy_proteinuria_1plus": 10080,
        "pregnancy_proteinuria_2plus": 2880,
        "pregnancy_proteinuria_acr": 2880,
        "pregnancy_known_diabetes_above_target": 10080,
        "news2_low_elevated": 240,
        "news2_incomplete": 0,
        "pre_eclampsia_symptom_no_pressure": 0,
        "pregnancy_headache_below_140_90": 1440,
        "spo2_borderline_child": 0,
    }


@pytest.mark.parametrize("minutes", [0, 10, 15])
def test_level_1_hypoglycaemia_rechecked_as_soon_or_sooner_is_taken(minutes: int) -> None:
    policy = policy_from_mapping({"rules": {"hypoglycaemia_level1": {"recheck_minutes": minutes}}})
    readings = [ob("glucose_random", 3.4), ob("sbp", 120), ob("dbp", 80)]
    a = assess(PatientContext(age=50), readings, policy, now=NOW)
    assert "hypoglycaemia_level1" in [r.rule for r in a.reasons] and a.recheck_minutes == minutes


def test_a_rule_with_no_interval_of_its_own_takes_any() -> None:
    policy = policy_from_mapping({"rules": {"spo2_low": {"recheck_minutes": 100_000}}})
    assert policy.rule_recheck("spo2_low") == 100_000
