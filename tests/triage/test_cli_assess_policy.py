"""`triage assess` with a policy or settings file: --policy, the input's own policy, settings that
enable models, and each such file's errors (exit 2, one line naming the file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.assess_cli import EXAMPLES, run


def test_policy_option_and_policy_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(
        'version = "clinic-7"\n[rules.hypertensive_crisis]\nlevel = "emergency_transfer"\n', encoding="utf-8"
    )
    code, out, _ = run(
        capsys, "assess", str(EXAMPLES / "urgent-referral.json"), "--no-models", "--policy", str(policy)
    )
    assert code == 0
    a = json.loads(out)
    assert a["policy_version"] == "clinic-7" and a["disposition"] == "emergency_transfer"
    policy.write_text('[rules.news2_emergency]\nlevel = "off"\n', encoding="utf-8")
    code, _, err = run(
        capsys, "assess", str(EXAMPLES / "urgent-referral.json"), "--no-models", "--policy", str(policy)
    )
    assert code == 2 and f"policy file {policy}" in err and "rules.news2_emergency.level" in err


@pytest.mark.parametrize("where", ["--config", "--policy"])
def test_settings_or_policy_file_that_is_a_folder_or_not_utf8_is_one_line(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder, or a TOML file saved as GBK or UTF-16, is named in one line (was a traceback)."""
    example = str(EXAMPLES / "local-care.json")
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes('name = "张三"\n'.encode("gbk"))
    utf16 = tmp_path / "utf16.toml"
    utf16.write_bytes('name = "x"\n'.encode("utf-16"))
    for path, detail in (
        (tmp_path, "is a directory"),
        (gbk, "byte 8 is not UTF-8"),
        (utf16, "byte 0 is not UTF-8"),
    ):
        args = (
            ["--config", str(path), "assess", example]
            if where == "--config"
            else ["assess", example, "--policy", str(path)]
        )
        code, out, err = run(capsys, *args, "--no-models")
        assert code == 2 and out == ""
        assert err.startswith("error: ") and err.count("\n") == 1 and str(path) in err and detail in err


def test_a_missing_policy_named_by_the_input_names_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The input's own "policy" (relative to its folder) that does not exist said only 'error: policy
    file .../nosuch.toml does not exist': with several inputs, not which one named it."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"policy": "nosuch.toml"}), encoding="utf-8")
    good = str(EXAMPLES / "local-care.json")
    code, out, err = run(capsys, "assess", str(bad), good, "--no-models")
    assert code == 2
    assert [item["file"] for item in json.loads(out)] == [good]
    assert err.splitlines() == [
        f"error: {bad}: policy: policy file {tmp_path / 'nosuch.toml'} does not exist",
        "error: 1 of 2 input files was invalid (see the errors above)",  # was '1 of 2 ... were'
    ]
    code, _, err = run(capsys, "assess", str(bad), str(bad), good, "--no-models")
    assert err.splitlines()[-1] == "error: 2 of 3 input files were invalid (see the errors above)"
    assert err.splitlines()[:-1] == [
        f"error: {bad}: policy: policy file {tmp_path / 'nosuch.toml'} does not exist",
        f"error: {bad}: policy: policy file {tmp_path / 'nosuch.toml'} does not exist",
    ]
    # --policy is the same for every input: its error names the option and the file
    code, _, err = run(capsys, "assess", str(bad), "--policy", str(tmp_path / "other.toml"), "--no-models")
    assert code == 2
    assert err == f"error: --policy: policy file {tmp_path / 'other.toml'} does not exist\n"


def test_a_missing_settings_policy_names_the_setting_and_where_it_was_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings' policy.file that does not exist said 'error: policy file x.toml does not exist',
    as a --policy would: which setting, in which file or variable? (`triage serve` says it.)"""
    missing, example = tmp_path / "clinic-policy.toml", str(EXAMPLES / "local-care.json")
    settings = tmp_path / "settings.toml"
    settings.write_text(f"[policy]\nfile = {json.dumps(str(missing))}\n", encoding="utf-8")
    code, out, err = run(capsys, "--config", str(settings), "assess", example, "--no-models")
    assert (code, out) == (2, "")
    assert err == f"error: settings file {settings}: policy.file: policy file {missing} does not exist\n"
    monkeypatch.setenv("TRIAGE_POLICY__FILE", str(missing))
    code, out, err = run(capsys, "assess", example, "--no-models")
    assert (code, out) == (2, "")
    assert err == (
        f'error: environment variable TRIAGE_POLICY__FILE="{missing}": policy file {missing} does not exist\n'
    )


@pytest.mark.parametrize("how", ["--policy", "settings"])
def test_a_bad_shared_policy_with_several_inputs_is_said_once(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A --policy (or the settings' policy file) that cannot be read is the same for every input:
    with three files its error was printed three times, then '3 of 3 input files were invalid'
    and an empty JSON array. It is said once, nothing is printed on stdout, exit 2."""
    policy = tmp_path / "clinic.toml"
    policy.write_text("x = [", encoding="utf-8")
    inputs = [str(EXAMPLES / name) for name in ("local-care.json", "urgent-referral.json", "local-care.json")]
    if how == "settings":
        monkeypatch.setenv("TRIAGE_POLICY__FILE", str(policy))
        extra: list[str] = []
    else:
        extra = ["--policy", str(policy)]
    code, out, err = run(capsys, "assess", *inputs, "--no-models", *extra)
    assert (code, out) == (2, "")
    where = f'environment variable TRIAGE_POLICY__FILE="{policy}"' if how == "settings" else "--policy"
    assert err == f"error: {where}: policy file {policy}: invalid TOML: Invalid value (at end of document)\n"


def test_a_model_the_settings_enable_that_does_not_exist_is_a_settings_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TRIAGE_MODELS__ENABLED='["cvd"]' exited 1 ("not found") where the same name in a policy file
    exits 2: what was given is wrong. One line naming the variable or the file and the setting."""
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    registry = Path(__file__).resolve().parents[2] / "models" / "registry.json"
    why = f'no such risk model "cvd" in {registry}; known: cvd10, stroke10, diabetes, ckd'
    example = str(EXAMPLES / "local-care.json")
    monkeypatch.setenv("TRIAGE_MODELS__ENABLED", '["cvd"]')
    for models in ("--models", "--no-models"):
        code, out, err = run(capsys, "assess", example, models)
        if models == "--no-models":  # the models are not loaded: nothing to refuse
            assert code == 0, err
            continue
        assert (code, out) == (2, "")
        assert err == f'error: environment variable TRIAGE_MODELS__ENABLED="[\\"cvd\\"]": {why}\n'
    monkeypatch.delenv("TRIAGE_MODELS__ENABLED")
    settings = tmp_path / "settings.toml"
    settings.write_text('[models]\nenabled = ["cvd10", "cvd"]\n', encoding="utf-8")
    # also without --models: a wrong setting is not "the models are not there" (a note, then exit 0)
    code, out, err = run(capsys, "--config", str(settings), "assess", example)
    assert (code, out, err) == (2, "", f"error: settings file {settings}: models.enabled: {why}\n")
    monkeypatch.setenv("TRIAGE_CONFIG", str(settings))
    code, out, err = run(capsys, "assess", example)
    assert (code, out, err) == (
        2,
        "",
        f"error: settings file {settings} ($TRIAGE_CONFIG): models.enabled: {why}\n",
    )


def test_a_policy_table_for_a_model_that_does_not_exist_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`[models.cvd]` (for cvd10) was accepted: the clinic's stricter threshold was never read and
    the card's applied, without a word."""
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    policy = tmp_path / "clinic.toml"
    policy.write_text('[models.cvd]\nthreshold = 0.05\nlevel = "routine_referral"\n', encoding="utf-8")
    example = str(EXAMPLES / "local-care.json")
    code, out, err = run(capsys, "assess", example, "--policy", str(policy), "--models")
    assert (code, out) == (2, "")
    assert err == (
        f"error: --policy: policy file {policy}: models.cvd: no such risk model; known: cvd10, stroke10, diabetes, ckd\n"
    )
    # without the models the policy's model tables are not used: nothing to refuse
    code, _, err = run(capsys, "assess", example, "--policy", str(policy), "--no-models")
    assert code == 0, err
    policy.write_text('[models.cvd10]\nthreshold = 0.01\nlevel = "routine_referral"\n', encoding="utf-8")
    code, out, err = run(capsys, "assess", example, "--policy", str(policy), "--models")
    assert code == 0, err
    assert json.loads(out)["disposition"] == "routine_referral"  # cvd10's 1.8% is above 1%
