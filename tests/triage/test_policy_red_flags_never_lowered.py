"""A red flag can never be lowered: a clinic policy may escalate a red-flag rule but not set it below
its default level (``triage.policy.red_flag_floor``). ``hypertensive_emergency``,
``bp_adolescent_severe``, ``news2_emergency``, ``altered_consciousness`` and
``pregnancy_severe_hypertension`` could be set to ``urgent_referral`` (their ``minimum``), sending the
patient they fire for by a slower route. Refused with one line naming the file, the line and the key
and what is allowed, at every entry point that loads a policy: ``load_policy``, ``triage assess
--policy``, the input's own ``policy``, the settings' ``policy.file``, and the start-up of ``triage
serve`` and ``triage demo`` (the demo ran "not ready", assessing nobody). There is no API that
changes a policy.

Real TOML files, the real CLI entry point and real ``triage serve`` and ``triage demo`` processes."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ports import free_port
from tests.service.test_serve_startup import TRIAGE, environment
from tests.triage.assess_cli import EXAMPLES, run
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import LEVEL_RANK, Disposition
from triage.errors import ConfigError
from triage.patient import PatientContext
from triage.policy import load_policy, policy_from_mapping
from triage.rules import RULES

RED_FLAGS = [r for r in RULES if r.red_flag]
EMERGENCY_RED_FLAGS = [r.name for r in RED_FLAGS if r.default is Disposition.emergency_transfer]
ORDER = ("emergency_transfer", "urgent_referral", "routine_referral", "local_care")
BELOW = [
    (rule.name, level)
    for rule in RED_FLAGS
    for level in ("off", "insufficient_data", *ORDER)
    if level in ("off", "insufficient_data") or LEVEL_RANK[Disposition(level)] < LEVEL_RANK[rule.default]  # type: ignore[index]
]
AT_OR_ABOVE = [
    (rule.name, level)
    for rule in RED_FLAGS
    for level in ORDER
    if LEVEL_RANK[Disposition(level)] >= LEVEL_RANK[rule.default]  # type: ignore[index]
]


def allowed(rule: str) -> str:
    default = next(r.default for r in RULES if r.name == rule)
    assert default is not None
    return ", ".join(f'"{level}"' for level in ORDER[: ORDER.index(default.value) + 1])


def lowered(tmp_path: Path, rule: str = "hypertensive_emergency", level: str = "urgent_referral") -> Path:
    path = tmp_path / "clinic.toml"
    path.write_text(
        f'version = "clinic-9"\n\n[rules.{rule}]\nrecheck_minutes = 10\nlevel = "{level}"\n', "utf-8"
    )
    return path


def refused(tmp_path: Path, text: str) -> tuple[Path, str]:
    """The policy file ``version = "c"`` then ``text`` (from line 2), and the error loading it."""
    path = tmp_path / "clinic.toml"
    path.write_text(f'version = "c"\n{text}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    return path, str(info.value)


def test_the_emergency_red_flags_are_the_ones_a_policy_could_lower_to_urgent() -> None:
    assert set(EMERGENCY_RED_FLAGS) >= {"hypertensive_emergency", "bp_adolescent_severe", "news2_emergency"}


@pytest.mark.parametrize(("rule", "level"), BELOW)
def test_a_red_flag_below_its_default_is_refused_naming_file_line_key_and_what_is_allowed(
    rule: str, level: str, tmp_path: Path
) -> None:
    path = lowered(tmp_path, rule, level)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    message = str(info.value)
    assert message.startswith(f"policy file {path}: line 5: rules.{rule}.level: "), message
    assert f"allowed: {allowed(rule)} (a red flag may be escalated, never lowered)" in message
    assert "\n" not in message
    if level != "off":
        default = next(r.default for r in RULES if r.name == rule)
        assert f'"{level}" would lower this red-flag rule below its default "{default}"' in message


@pytest.mark.parametrize(("rule", "level"), AT_OR_ABOVE)
def test_a_red_flag_kept_or_escalated_is_allowed(rule: str, level: str, tmp_path: Path) -> None:
    policy = load_policy(lowered(tmp_path, rule, level))
    assert policy.rule_level(rule) is Disposition(level)


@pytest.mark.parametrize(
    "text",
    [
        '[rules]\nhypertensive_emergency.level = "urgent_referral"\n',
        '[rules]\nhypertensive_emergency = { level = "urgent_referral" }\n',
        'rules.hypertensive_emergency.level = "urgent_referral"\n',
        '[rules."hypertensive_emergency"]\nlevel = "urgent_referral"\n',
    ],
)
def test_the_line_is_found_however_the_key_is_written(text: str, tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text("# clinic 9\n" + text, encoding="utf-8")
    line = text.count("\n")  # the key's line: the last one, after the comment
    with pytest.raises(
        ConfigError, match=rf"^policy file {path}: line {1 + line}: rules\.hypertensive_emergency\.level: "
    ):
        load_policy(path)


def test_a_policy_that_is_no_file_names_the_key() -> None:
    with pytest.raises(
        ConfigError, match=r'^policy: rules\.bp_adolescent_severe\.level: "urgent_referral" would'
    ):
        policy_from_mapping({"rules": {"bp_adolescent_severe": {"level": "urgent_referral"}}})


def test_triage_assess_refuses_it_from_the_option_the_input_and_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = lowered(tmp_path)
    expected = (
        f'policy file {path}: line 5: rules.hypertensive_emergency.level: "urgent_referral" would lower this'
        ' red-flag rule below its default "emergency_transfer"; allowed: "emergency_transfer" (a red flag'
        " may be escalated, never lowered), or no level key"
    )
    example = str(EXAMPLES / "emergency-transfer.json")
    code, out, err = run(capsys, "assess", example, "--no-models", "--policy", str(path))
    assert (code, out, err) == (2, "", f"error: --policy: {expected}\n")

    named = tmp_path / "case.json"
    named.write_text(
        json.dumps({**json.loads(Path(example).read_text("utf-8")), "policy": "clinic.toml"}), "utf-8"
    )
    code, out, err = run(capsys, "assess", str(named), "--no-models")
    assert code == 2 and err.splitlines()[0] == f"error: {named}: policy: {expected}", err

    monkeypatch.setenv("TRIAGE_POLICY__FILE", str(path))
    code, out, err = run(capsys, "assess", example, "--no-models")
    assert (code, out, err) == (
        2,
        "",
        f'error: environment variable TRIAGE_POLICY__FILE="{path}": {expected}\n',
    )


def test_triage_serve_does_not_start_with_it(tmp_path: Path) -> None:
    path, db = lowered(tmp_path, "bp_adolescent_severe"), tmp_path / "clinic.db"
    done = subprocess.run(
        [TRIAGE, "serve", "--workers", "1", "--port", str(free_port())],
        env=environment() | {"TRIAGE_POLICY__FILE": str(path), "TRIAGE_DATABASE__PATH": str(db)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: policy file {path}: line 5: rules.bp_adolescent_severe.level: ")
    assert len(done.stderr.splitlines()) == 1 and not db.exists(), done.stderr


def test_triage_demo_does_not_start_with_it(tmp_path: Path) -> None:
    """The demo ran with the service 'not ready' and assessed nobody, the reason in one log line."""
    path = lowered(tmp_path, "news2_emergency")
    done = subprocess.run(
        [TRIAGE, "demo", "--port", str(free_port()), "--data-dir", str(tmp_path / "demo")],
        env=environment() | {"TRIAGE_POLICY__FILE": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith(f"error: policy file {path}: line 5: rules.news2_emergency.level: ")
    assert len(done.stderr.splitlines()) == 1, done.stderr


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[freshness.hours]\nspo2 = 0.05", "freshness.hours.spo2: 0.05 hours"),
        ("[freshness.hours]\nsbp = 0.5", "freshness.hours.sbp: 0.5 hours"),
        ("[freshness]\ndefault_hours = 0.9", "freshness.default_hours: 0.9 hours"),
    ],
)
def test_a_freshness_limit_under_an_hour_is_refused(text: str, key: str, tmp_path: Path) -> None:
    """`spo2 = 0.05` (3 minutes) made an SpO2 of 85 % measured 10 minutes before the assessment
    stale: spo2_critical did not fire and a normal pressure beside it gave local care in 30 days."""
    path, message = refused(tmp_path, text)
    assert message == (
        f"policy file {path}: line 3: {key} would ignore a reading taken earlier in the visit as stale,"
        " and with it any red flag it shows; allowed: 1 to 876600 hours"
    )


def test_a_freshness_limit_of_an_hour_keeps_a_red_flag_of_the_visit() -> None:
    policy = policy_from_mapping({"freshness": {"hours": {"spo2": 1}}})
    measured = NOW - timedelta(minutes=10)
    readings = [ob("spo2", 85, observed_at=measured), ob("sbp", 120), ob("dbp", 80)]
    a = assess(PatientContext(age=58), readings, policy, now=NOW)
    assert "spo2_critical" in a.red_flags and a.disposition is Disposition.urgent_referral


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "emergency_transfer = 1440",
            "emergency_transfer: 1440 would re-assess emergency_transfer later than the"
            " built-in 15 minutes; allowed: 0 to 15",
        ),
        ("emergency_transfer = 16", "emergency_transfer: 16 would re-assess"),
        (
            "urgent_referral = 61",
            "urgent_referral: 61 would re-assess urgent_referral later than the built-in 60"
            " minutes; allowed: 0 to 60",
        ),
        (
            "insufficient_data = 1",
            "insufficient_data: 1 would re-assess insufficient_data later than the built-in"
            " 0 minutes; allowed: 0 (now)",
        ),
    ],
)
def test_an_urgent_recheck_later_than_the_built_in_is_refused(text: str, said: str, tmp_path: Path) -> None:
    """`emergency_transfer = 1440` (a day, or hours meant as minutes) was taken: the patient page said
    'Recheck in 1 day' beside an emergency transfer."""
    path, message = refused(tmp_path, f"[recheck_minutes]\n{text}")
    assert message.startswith(f"policy file {path}: line 3: recheck_minutes.{said}"), message
    assert message.endswith("(sooner is allowed, later never)") and "\n" not in message


def test_a_recheck_sooner_or_for_the_lower_dispositions_is_allowed() -> None:
    sooner = {"emergency_transfer": 5, "urgent_referral": 60, "routine_referral": 20160, "local_care": 86400}
    policy = policy_from_mapping({"recheck_minutes": sooner})
    assert {d.value: m for d, m in policy.recheck_minutes.items()} == sooner | {"insufficient_data": 0}


# what a critical glucose setting would lower, and what it may be
CRITICAL_GLUCOSE = {
    "critical_low_mmol_l": (
        "glucose_critical_low",
        "a glucose below 3.0 mmol/L (54 mg/dL) is level 2 hypoglycaemia (ADA), an urgent referral, not local"
        " care; allowed: 3.0 to 4.0 (a higher value escalates)",
    ),
    "critical_high_mmol_l": (
        "glucose_critical_high",
        "a glucose above 22.2 mmol/L (400 mg/dL) is an urgent referral under the built-in policy, and would be"
        " local care; allowed: 11.1 to 22.2 (a lower value escalates)",
    ),
}


@pytest.mark.parametrize(
    ("setting", "value"),
    [("critical_low_mmol_l", v) for v in (2.9, 2.2, 0.5)]
    + [("critical_high_mmol_l", v) for v in (25.0, 22.3, 40.0)],
)
def test_a_critical_glucose_that_would_lower_its_red_flag_is_refused(
    setting: str, value: float, tmp_path: Path
) -> None:
    """A lab's critical low of 2.2 left 2.2-2.9 mmol/L - ADA level 2 hypoglycaemia - to
    hypoglycaemia_level1 (local care, re-check in 15 minutes); a critical high of 25 (the documented
    example) left a random glucose of 24 to glucose_diabetes_range (local care, 'confirm'). The
    built-in policy makes both the red flag, an urgent referral."""
    rule, why = CRITICAL_GLUCOSE[setting]
    path, message = refused(tmp_path, f"[glucose]\n{setting} = {value}")
    assert (
        message
        == f"policy file {path}: line 3: glucose.{setting}: {value:g} would lower red-flag rule {rule}: {why}"
    )


@pytest.mark.parametrize(
    ("setting", "value", "glucose"),
    [("critical_low_mmol_l", v, 2.9) for v in (3.0, 3.5, 4.0)]
    + [("critical_high_mmol_l", v, 22.3) for v in (22.2, 20.0, 11.1)],
)
def test_a_critical_glucose_may_escalate(setting: str, value: float, glucose: float) -> None:
    policy = policy_from_mapping({"glucose": {setting: value}})
    assert getattr(policy.glucose, setting) == value
    a = assess(PatientContext(age=50), [ob("glucose_random", glucose)], policy, now=NOW)
    assert CRITICAL_GLUCOSE[setting][0] in a.red_flags and a.disposition is Disposition.urgent_referral
