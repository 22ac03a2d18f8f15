"""A policy's values are of their TOML type and within what is safe, refused in one line naming the
file, the line and the key, and what is allowed.

Re-check intervals are whole minutes (a TOML integer) with an upper bound for every disposition.
``local_care = "60"`` (quoted), ``60.0`` and ``true`` were taken as 60, 60 and 1 minutes without a
word, and the lower dispositions and the rules without an interval of their own took any number:
10**30 minutes, or days typed as minutes (525600 for a year), put the next check years away. The
other numbers and switches took quoted text and ``true`` (``[freshness.hours] sbp = true``: a limit
of 1 hour; ``enabled = "false"`` switched a model off). ``[decisive] codes = []`` made every patient
no rule escalated ``insufficient_data``, the note naming nothing to measure.

Real TOML files read by the real loader; the built-in intervals and the largest allowed ones still load
and are used by the engine."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.errors import ConfigError
from triage.patient import PatientContext
from triage.policy import load_policy

# the longest intervals (minutes): a routine referral followed up within 2 weeks, local care at least quarterly
RECHECK_AT_MOST = {Disposition.routine_referral: 20_160, Disposition.local_care: 129_600}
RULE_RECHECK_AT_MOST = 129_600

WHOLE = "must be a whole number of minutes (a TOML integer such as 60, without quotes or a decimal point)"


def refused(tmp_path: Path, table: str, key: str, value: str) -> tuple[Path, str]:
    path = tmp_path / "clinic.toml"
    path.write_text(f'version = "c"\n\n[{table}]\n{key} = {value}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    message = str(info.value)
    assert "\n" not in message
    return path, message


@pytest.mark.parametrize(
    ("value", "got"), [('"60"', '"60"'), ("60.0", "60.0"), ("true", "true"), ("30.5", "30.5")]
)
@pytest.mark.parametrize(
    ("table", "key"), [("recheck_minutes", "local_care"), ("rules.spo2_low", "recheck_minutes")]
)
def test_an_interval_that_is_not_a_toml_integer_is_refused(
    tmp_path: Path, table: str, key: str, value: str, got: str
) -> None:
    path, message = refused(tmp_path, table, key, value)
    assert message == f"policy file {path}: line 4: {table}.{key}: {WHOLE} (got {got})"


@pytest.mark.parametrize(
    ("disposition", "most", "why"),
    [
        ("routine_referral", 20_160, "14 days: a referral is followed up within 2 weeks"),
        ("local_care", 129_600, "90 days: at least 4 follow-ups a year"),
    ],
)
def test_a_lower_disposition_rechecked_later_than_its_longest_is_refused(
    tmp_path: Path, disposition: str, most: int, why: str
) -> None:
    for minutes in (most + 1, 10**30):
        path, message = refused(tmp_path, "recheck_minutes", disposition, str(minutes))
        assert message == (
            f"policy file {path}: line 4: recheck_minutes.{disposition}: {minutes} would re-assess"
            f" {disposition} later than the longest allowed {most} minutes ({why}); allowed: 0 to {most}"
            " (sooner is allowed, later never)"
        )


def test_a_rule_without_an_interval_of_its_own_is_bounded_too(tmp_path: Path) -> None:
    path, message = refused(tmp_path, "rules.spo2_low", "recheck_minutes", str(RULE_RECHECK_AT_MOST + 1))
    assert message.startswith(
        f"policy file {path}: line 4: rules.spo2_low.recheck_minutes: {RULE_RECHECK_AT_MOST + 1} would"
        f" re-assess spo2_low later than the longest allowed {RULE_RECHECK_AT_MOST} minutes"
    )
    assert message.endswith(f"allowed: 0 to {RULE_RECHECK_AT_MOST} (sooner is allowed, later never)")


def test_a_disposition_that_is_no_disposition_names_its_line(tmp_path: Path) -> None:
    path, message = refused(tmp_path, "recheck_minutes", "routing_referral", "5")
    assert message.startswith(
        f"policy file {path}: line 4: recheck_minutes.routing_referral: Input should be"
    )


def test_the_longest_allowed_intervals_load_and_are_used(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    lines = [f"{d.value} = {m}" for d, m in RECHECK_AT_MOST.items()]
    path.write_text('version = "c"\n[recheck_minutes]\n' + "\n".join(lines) + "\n", encoding="utf-8")
    policy = load_policy(path)
    assert {d: policy.recheck_minutes[d] for d in RECHECK_AT_MOST} == RECHECK_AT_MOST
    normal = [ob("sbp", 118), ob("dbp", 76), ob("heart_rate", 70)]
    a = assess(PatientContext(age=50), normal, policy, now=NOW)
    assert (a.disposition.value, a.recheck_minutes) == ("local_care", RECHECK_AT_MOST[Disposition.local_care])


def test_the_builtin_intervals_are_within_the_bounds() -> None:
    builtin = load_policy().recheck_minutes
    assert all(builtin[d] <= most for d, most in RECHECK_AT_MOST.items())


NUMBER = "must be a number (a TOML number such as 3.5, without quotes)"
BOOLEAN = "must be true or false (a TOML boolean, without quotes)"


@pytest.mark.parametrize(
    ("table", "key", "value", "said"),
    [
        ("glucose", "critical_low_mmol_l", '"3.5"', f'{NUMBER} (got "3.5")'),
        ("models.cvd10", "threshold", '"0.25"', f'{NUMBER} (got "0.25")'),
        ("freshness.hours", "sbp", "true", f"{NUMBER} (got true)"),  # was a limit of 1 hour
        ("freshness.hours", "sbp", '"24"', f'{NUMBER} (got "24")'),
        ("freshness", "future_tolerance_minutes", '"5"', f'{NUMBER} (got "5")'),
        ("models.cvd10", "enabled", '"false"', f'{BOOLEAN} (got "false")'),  # switched the model off
        ("models.cvd10", "enabled", "0", f"{BOOLEAN} (got 0)"),
    ],
)
def test_the_other_numbers_and_switches_take_their_toml_type_only(
    tmp_path: Path, table: str, key: str, value: str, said: str
) -> None:
    path, message = refused(tmp_path, table, key, value)
    assert message == f"policy file {path}: line 4: {table}.{key}: {said}"


def test_numbers_and_switches_of_their_type_are_taken(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(
        'version = "c"\n[glucose]\ncritical_low_mmol_l = 4\ncritical_high_mmol_l = 20.5\n'
        "[freshness.hours]\nsbp = 12\n[models.cvd10]\nthreshold = 0.25\nenabled = false\n",
        encoding="utf-8",
    )
    policy = load_policy(path)
    assert (policy.glucose.critical_low_mmol_l, policy.glucose.critical_high_mmol_l) == (4.0, 20.5)
    assert policy.freshness.hours["sbp"] == 12.0
    assert policy.models.for_model("cvd10").threshold == 0.25 and not policy.models.for_model("cvd10").enabled


def test_a_model_given_one_value_is_told_the_table_the_file_writes(tmp_path: Path) -> None:
    """It said 'write [models.each.cvd10] ...', a table name the policy's own model has, not the file."""
    path, message = refused(tmp_path, "models", "cvd10", "0.3")
    assert message == (
        f"policy file {path}: line 4: models.cvd10: a table, not one value: write [models.cvd10] on a line of"
        " its own and its keys under it (threshold = ...); keys: threshold, level, enabled (got 0.3)"
    )


def test_an_empty_list_of_decisive_codes_is_refused(tmp_path: Path) -> None:
    path, message = refused(tmp_path, "decisive", "codes", "[]")
    assert message == (
        f"policy file {path}: line 4: decisive.codes: empty: no reading could ever conclude local care, so"
        " every patient no rule escalates would be insufficient_data; give at least one observation code"
        " (built-in: sbp, dbp, spo2, heart_rate, resp_rate, temperature, consciousness, glucose_fasting,"
        " glucose_random, hba1c)"
    )


def test_a_shorter_list_of_decisive_codes_is_the_clinics(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('version = "c"\n[decisive]\ncodes = ["sbp", "dbp"]\n', encoding="utf-8")
    assert load_policy(path).decisive.codes == ("sbp", "dbp")


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        (
            '[rules.no_such_rule]\nlevel = "local_care"',
            2,
            "rules.no_such_rule: unknown rule; known rules: news2_",
        ),
        ('[rules]\nno_such.level = "local_care"', 3, "rules.no_such: unknown rule; known rules: news2_"),
        ('[decisive]\ncodes = ["pulse"]', 3, 'decisive.codes: unknown observation code "pulse"'),
        ("[freshness.hours]\npulse = 5", 3, 'freshness.hours.pulse: unknown observation code "pulse"'),
    ],
)
def test_an_unknown_rule_or_code_names_its_line(tmp_path: Path, text: str, line: int, said: str) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(f'version = "c"\n{text}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(info.value).startswith(f"policy file {path}: line {line}: {said}"), str(info.value)


def test_a_future_tolerance_over_an_hour_is_refused(tmp_path: Path) -> None:
    """A tolerance of a day (1440 minutes, allowed before) used a reading stamped up to a day ahead -
    a device clock set wrong - as the latest, superseding every reading taken since."""
    path, message = refused(tmp_path, "freshness", "future_tolerance_minutes", "1440")
    assert message == (
        f"policy file {path}: line 4: freshness.future_tolerance_minutes: 1440 would use a reading stamped"
        " up to 1440 minutes after the assessment time (a device clock set wrong) as the latest, superseding"
        " every reading taken since; allowed: 0 to 60 minutes"
    )


def test_a_reading_from_a_clock_an_hour_ahead_is_ignored_at_the_longest_tolerance(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('version = "c"\n[freshness]\nfuture_tolerance_minutes = 60\n', encoding="utf-8")
    ahead = ob("spo2", 98, observed_at=NOW + timedelta(minutes=61))  # a device clock an hour wrong
    a = assess(PatientContext(age=50), [ob("spo2", 85), ahead], load_policy(path), now=NOW)
    assert a.observations_used[0].value == 85 and "spo2_critical" in a.red_flags
    assert [i.reason for i in a.ignored_observations] == ["in_future"]


@pytest.mark.parametrize(
    ("table", "key", "said"),
    [
        (
            "models.cvd10",
            "level",
            "models.cvd10.level",
        ),  # said '"insufficient_data" is above models.max_level'
        (
            "models",
            "default_level",
            "models.default_level",
        ),  # said 'is not allowed; at most "urgent_referral"'
        ("rules.spo2_low", "level", "rules.spo2_low.level"),  # had no line
    ],
)
def test_insufficient_data_asked_for_says_why_it_cannot_be(
    tmp_path: Path, table: str, key: str, said: str
) -> None:
    path, message = refused(tmp_path, table, key, '"insufficient_data"')
    assert message == (
        f'policy file {path}: line 4: {said}: a {said.split(".")[0][:-1]} cannot ask for "insufficient_data"'
        " (the answer when no reading decides)"
    )


def test_a_model_is_on_unless_its_table_switches_it_off(tmp_path: Path) -> None:
    """A model the policy does not name, or whose table leaves out ``enabled``, is scored: the
    default of ``enabled`` turned false left every test green (mutation testing of triage/policy.py)
    while it would have switched every risk model off."""
    path = tmp_path / "clinic.toml"
    path.write_text('version = "c"\n[models.cvd10]\nthreshold = 0.25\n', encoding="utf-8")
    for policy in (load_policy(), load_policy(path)):
        assert policy.runtime.model("cvd10").enabled and policy.runtime.model("no_such_model").enabled
        assert policy.models.for_model("cvd10").enabled and policy.models.for_model("no_such_model").enabled


def test_an_empty_policy_version_is_refused(tmp_path: Path) -> None:
    """Every assessment reports the policy's version: an empty one would name none (a mutant
    allowing it lived, triage/policy.py:225)."""
    path = tmp_path / "clinic.toml"
    path.write_text('version = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert (
        str(info.value)
        == f'policy file {path}: line 1: version: String should have at least 1 character (got "")'
    )
