"""`triage assess` through the real CLI entry point: JSON, stdin, several files, errors (exit 2)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage.assessment import Assessment
from triage.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_single_file_prints_assessment_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "assess", str(EXAMPLES / "urgent-referral.json"), "--no-models")
    assert code == 0, err
    a = Assessment.model_validate_json(out)
    assert a.disposition.value == "urgent_referral" and a.patient_id == "demo-urgent-01"
    assert a.model_versions == {}


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {
        "patient": {"age": 40},
        "observations": [{"code": "spo2", "value": 89, "unit": "%", "observed_at": "2026-11-25T08:00:00Z"}],
        "assessed_at": "2026-11-25T08:05:00Z",
    }
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(doc).encode("utf-8"))))
    code, out, _ = run(capsys, "assess", "-", "--no-models", "--pretty")
    assert code == 0
    assert json.loads(out)["disposition"] == "urgent_referral"
    assert out.startswith("{\n")


def test_several_files_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.json"))
    code, out, _ = run(capsys, "assess", *files, "--no-models")
    assert code == 0
    payload = json.loads(out)
    assert [item["file"] for item in payload] == files
    assert {item["assessment"]["disposition"] for item in payload} == {
        "routine_referral",
        "urgent_referral",
        "emergency_transfer",
        "insufficient_data",
        "local_care",
    }
    code, out, _ = run(capsys, "assess", *files[:2], "--no-models", "--table")
    assert code == 0 and "disposition:" in out and f"== {files[0]}" in out


def test_with_real_models(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    code, out, err = run(capsys, "assess", str(EXAMPLES / "routine-referral.json"), "--models")
    assert code == 0, err
    a = Assessment.model_validate_json(out)
    assert a.model_versions and a.models


def test_table_says_why_a_model_did_not_score_and_keeps_its_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    code, out, err = run(capsys, "assess", str(EXAMPLES / "urgent-referral.json"), "--models", "--table")
    assert code == 0, err
    assert "model cvd10 1.0.0: not scored (missing total_cholesterol)" in out
    lines = out.splitlines()
    news2 = next(line for line in lines if line.startswith("  news2 "))
    kidney = next(line for line in lines if line.startswith("  kidney "))
    # The band column starts at the same place on every line, however long the unit.
    unit = "mL/min/{1.73_m2}"
    assert news2.index("low_elevated") == kidney.index(unit) + len(unit) + 1


def test_table_gives_the_reason_of_the_engines_not_scored_phrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table's "not scored (...)" is the reason inside triage.phrases.NOT_SCORED - the phrasing
    the engine writes - not a prefix stripped by hand."""
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    from triage.phrases import NOT_SCORED

    at = "2026-11-25T10:00:00+08:00"
    doc = {
        "assessed_at": at,
        "patient": {"age": 58, "sex": "male", "diabetes": True, "ckd": True, "bmi": 31.0},
        "observations": [
            {"code": code, "value": value, "observed_at": at}
            for code, value in (("total_cholesterol", 5.0), ("sbp", 150), ("glucose_random", 9))
        ],
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--models")
    assert code == 0, err
    unscored = [
        m for m in Assessment.model_validate_json(out).models if m.probability is None and not m.missing
    ]
    assert {m.model for m in unscored} >= {"diabetes", "ckd"}
    code, table, err = run(capsys, "assess", str(path), "--models", "--table")
    assert code == 0, err
    for m in unscored:
        found = NOT_SCORED.match(m.explanation)
        assert found is not None and found["model"] == m.model
        assert f"  model {m.model} {m.version}: not scored ({found['reason']})\n" in table
    assert "model ckd 1.0.0: not scored (outside the model population: patient.ckd is true)" in table


def test_now_option_and_staleness(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "urgent-referral.json")
    code, out, _ = run(capsys, "assess", path, "--no-models", "--now", "2026-11-30T10:00:00+08:00")
    assert code == 0
    # the input's own assessed_at wins over --now, so saved cases stay reproducible
    assessment = json.loads(out)
    assert assessment["disposition"] == "urgent_referral"
    saved = json.loads((EXAMPLES / "urgent-referral.json").read_text(encoding="utf-8"))
    assert assessment["assessed_at"] == saved["assessed_at"]


def test_now_help_says_an_inputs_assessed_at_wins() -> None:
    # The help once read "(default: the input's assessed_at, else now)", as if --now overrode it.
    import typer.main

    from triage.cli import app

    assess_command = typer.main.get_command(app).commands["assess"]
    (now,) = [p for p in assess_command.params if "--now" in getattr(p, "opts", ())]
    assert "for inputs without assessed_at" in now.help and "assessed_at wins" in now.help


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"patient": {"age": 200}}, "patient.age: Input should be less than or equal to 130"),
        (
            {
                "patient": {},
                "observations": [
                    {"code": "spo2", "value": 130, "unit": "%", "observed_at": "2026-11-25T08:00:00Z"}
                ],
            },
            "observations[0].value: spo2: value 130 % is outside the plausible range 40-100 %",
        ),
        (
            {
                "observations": [
                    {},
                    {},
                    {"code": "sbp", "value": 120, "unit": "mg/dL", "observed_at": "2026-11-25T08:00:00Z"},
                ]
            },
            "observations[0].code: required",
        ),
        (
            {
                "observations": [
                    {"code": "sbp", "value": 120, "unit": "mg/dL", "observed_at": "2026-11-25T08:00:00Z"}
                ]
            },
            'observations[0].unit: sbp: unit "mg/dL" is not accepted',
        ),
        (
            {"observations": [{"code": "sbp", "value": 120, "observed_at": "2026-11-25T08:00:00"}]},
            "observations[0].observed_at: sbp: observed_at 2026-11-25T08:00:00 has no timezone",
        ),
        (
            {"observations": [{"code": "pulse", "value": 1, "observed_at": "2026-11-25T08:00:00Z"}]},
            'observations[0].code: unknown observation code "pulse"',
        ),
        (
            {
                "observations": [
                    {"code": "sbp", "value": 120, "observed_at": "2026-11-25T08:00:00Z", "qc": "no"}
                ]
            },
            "observations[0].qc: must be true or false",
        ),
        (
            {"observations": [{"code": "sbp", "value": "high", "observed_at": "2026-11-25T08:00:00Z"}]},
            'observations[0].value: sbp: value "high" is not a number',
        ),
        ({"observations": {}}, "observations: expected a list"),
        ({"patients": {}}, 'unknown field "patients"'),
        (
            [],
            "expected a JSON object whose fields are all optional: 'patient' (an object),"
            " 'observations' (a list; none: insufficient_data), 'policy', 'assessed_at'; got an array",
        ),
        ("case", "whose fields are all optional: 'patient' (an object), 'observations' (a list"),
        ({"assessed_at": "noon"}, 'assessed_at: "noon" is not an ISO 8601 time'),
    ],
)
def test_invalid_input_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: object, message: str
) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models")
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {path}: ")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("doc", [{}, {"patient": {"age": 60}}, {"observations": []}])
def test_a_document_without_readings_is_valid_and_insufficient_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: dict[str, object]
) -> None:
    """Every field is optional (docs/assessment.md, and the non-object error says so): no readings
    is the engine's documented answer insufficient_data, not an input error."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models", "--now", "2026-11-25T10:00:00+08:00")
    assert (code, err) == (0, "")
    a = Assessment.model_validate_json(out)
    assert a.disposition.value == "insufficient_data" and a.observations_used == []
    assert "no usable observations (all missing, QC, non-final, stale or superseded)" in a.notes


def test_unreadable_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"patient": {', encoding="utf-8")
    code, _, err = run(capsys, "assess", str(bad), "--no-models")
    assert code == 2 and "invalid JSON at line 1, column 14" in err
    code, _, err = run(capsys, "assess", str(tmp_path / "none.json"), "--no-models")
    assert code == 2 and "file does not exist" in err


def test_one_bad_file_among_several_keeps_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"patient": {"age": -1}}', encoding="utf-8")
    code, out, err = run(capsys, "assess", str(EXAMPLES / "local-care.json"), str(bad), "--no-models")
    assert code == 2
    assert "patient.age" in err
    assert [item["file"] for item in json.loads(out)] == [str(EXAMPLES / "local-care.json")]


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


def test_help_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assess", "--help")
    assert code == 0
    for option in ("--policy", "--models", "--no-models", "--now", "--pretty", "--table"):
        assert option in out


def test_schema_option_and_no_files(capsys: pytest.CaptureFixture[str]) -> None:
    from triage.assessment import json_schema_text

    code, out, _ = run(capsys, "assess", "--schema")
    assert code == 0 and out == json_schema_text()
    code, out, err = run(capsys, "assess")
    assert code == 2 and "give at least one input FILE" in err


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


def test_observation_value_beyond_any_float_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON allows an integer of any length; one past a float's range is refused naming the field
    (was OverflowError: int too large to convert to float)."""
    doc = json.loads((EXAMPLES / "local-care.json").read_text(encoding="utf-8"))
    doc["observations"][0]["value"] = 10**400
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"error: {path}: observations[0].value: sbp: value has 401 digits, too large")


def test_a_huge_patient_field_is_named_with_its_length_not_repeated_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((EXAMPLES / "local-care.json").read_text(encoding="utf-8"))
    doc["patient"]["age"] = 10**400
    path = tmp_path / "huge-age.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"error: {path}: patient.age: " in err and "... (401 characters))" in err
    assert len(err) < 300, err


def test_a_utf8_byte_order_mark_is_accepted_in_a_file_and_on_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notepad saves UTF-8 with a BOM; it was refused: 'Unexpected UTF-8 BOM (decode using utf-8-sig)'."""
    text = (EXAMPLES / "local-care.json").read_text(encoding="utf-8")
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, out, err = run(capsys, "assess", str(path), "--no-models")
    assert code == 0, err
    assert Assessment.model_validate_json(out).patient_id == "demo-local-01"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(("\ufeff" + text).encode("utf-8"))))
    code, out, err = run(capsys, "assess", "-", "--no-models")
    assert code == 0, err
    path.write_bytes(b'\xef\xbb\xbf{"patient": "\xd5"}')  # the offset counts the mark's 3 bytes
    code, _, err = run(capsys, "assess", str(path), "--no-models")
    assert (code, err) == (2, f"error: {path}: not UTF-8 text (byte 16)\n")


def test_json_nested_thousands_deep_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Was a RecursionError traceback from the JSON decoder."""
    path = tmp_path / "deep.json"
    path.write_text('{"patient": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models")
    assert (code, out) == (2, "")
    assert err == f"error: {path}: JSON nested too deeply to be an assessment input\n"


def test_a_key_repeated_in_one_object_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`"age": 48, "age": 50` was read as 50 without a word (the decoder keeps the last value)."""
    text = (EXAMPLES / "local-care.json").read_text(encoding="utf-8")
    assert text.count('"age": 48,') == 1
    path = tmp_path / "twice.json"
    path.write_text(text.replace('"age": 48,', '"age": 48, "age": 50,'), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models")
    assert (code, out) == (2, "")
    assert err == (
        f'error: {path}: key "age" appears twice in one object; keep one (JSON readers disagree on which wins)\n'
    )


def test_table_labels_every_model_probability_as_teaching_data(capsys: pytest.CaptureFixture[str]) -> None:
    """`--table` printed 'model cvd10 1.0.0: 1.8% vs threshold 10.0%' bare: the clinician reading it
    was not told the probability comes from teaching data, not validated on a Chinese primary-care
    population, as the JSON's explanation and every card say."""
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    code, out, err = run(capsys, "assess", str(EXAMPLES / "local-care.json"), "--models", "--table")
    assert code == 0, err
    shown = [line for line in out.splitlines() if line.startswith("  model ") and " vs threshold " in line]
    assert len(shown) == 3  # cvd10, stroke10, diabetes score; ckd lacks its inputs
    for line in shown:
        assert line.endswith(
            "(teaching data - not for clinical use - not validated on a Chinese primary-care population)"
        ), line


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
        "error: 1 of 2 input files were invalid (see the errors above)",
    ]
    # --policy is the same for every input: its error names the file only
    code, _, err = run(capsys, "assess", str(bad), "--policy", str(tmp_path / "other.toml"), "--no-models")
    assert code == 2
    assert err == f"error: policy file {tmp_path / 'other.toml'} does not exist\n"


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
    assert err == f"error: policy file {policy}: invalid TOML: Invalid value (at end of document)\n"


def test_the_observation_fields_the_docs_mark_required_are_the_required_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/assessment.md said "Every field is optional", yet an observation without observed_at was
    refused ('observations[0].observed_at: required'): the page now marks code, value and
    observed_at as required, and this holds it to the parser."""
    doc = (EXAMPLES.parent / "docs" / "assessment.md").read_text(encoding="utf-8")
    bullet = doc.split("- `observations[]`: ", 1)[1].split("\n- ", 1)[0]
    documented = [
        field
        for field in ("code", "value", "unit", "observed_at", "status", "device", "qc")
        if f"`{field}` (**required**" in bullet
    ]
    assert documented == ["code", "value", "observed_at"]
    full = {
        "code": "sbp",
        "value": 120,
        "unit": "mmHg",
        "observed_at": "2026-11-25T09:58:00+08:00",
        "status": "final",
        "device": "omron",
        "qc": False,
    }
    for field in full:
        path = tmp_path / f"without-{field}.json"
        item = {k: v for k, v in full.items() if k != field}
        path.write_text(json.dumps({"observations": [item]}), encoding="utf-8")
        code, _, err = run(capsys, "assess", str(path), "--no-models")
        if field in documented:
            assert code == 2 and err.startswith(f"error: {path}: observations[0].{field}: "), err
        else:
            assert code == 0, err


ENTRY = "import sys; from triage.cli import main; sys.exit(main())"


def _triage(args: list[str], encoding: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The real entry point in a process whose terminal encoding is ``encoding`` (a zh_CN.GBK
    locale, or PYTHONIOENCODING)."""
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args], input=stdin, capture_output=True, env=env, timeout=120
    )


def test_stdin_is_read_as_utf8_whatever_the_terminal_encoding() -> None:
    """stdin was decoded with the terminal's encoding: under GBK a UTF-8 document's 张三 became other
    characters, and a GBK document gave a pydantic error about surrogates instead of the files'
    'not UTF-8 text (byte N)'."""
    doc = {"patient": {"patient_id": "张三-01"}, "assessed_at": "2026-11-25T10:00:00+08:00"}
    utf8 = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    done = _triage(["assess", "-", "--no-models"], "gbk", utf8)
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    assert json.loads(done.stdout.decode("gbk"))["patient_id"] == "张三-01"
    gbk = json.dumps(doc, ensure_ascii=False).encode("gbk")
    done = _triage(["assess", "-", "--no-models"], "utf-8", gbk)
    offset = gbk.index("张".encode("gbk"))
    assert (done.returncode, done.stderr.decode()) == (2, f"error: stdin: not UTF-8 text (byte {offset})\n")


def test_output_survives_a_terminal_encoding_without_every_character() -> None:
    """A GBK terminal cannot hold the 'ö' of a score's reference (Lindström): `triage assess` ended
    in a UnicodeEncodeError traceback. JSON now comes out with \\u escapes - the same document - and
    the table with backslash escapes."""
    encoding = "gbk"
    example = str(EXAMPLES / "local-care.json")
    expected = json.loads(_triage(["assess", example, "--no-models"], "utf-8").stdout.decode("utf-8"))
    assert "ö" in json.dumps(expected, ensure_ascii=False)
    for extra in ([], ["--pretty"]):
        done = _triage(["assess", example, "--no-models", *extra], encoding)
        assert done.returncode == 0, done.stderr.decode(encoding, "replace")
        assert json.loads(done.stdout.decode(encoding)) == expected
    done = _triage(["assess", example, example, "--no-models"], encoding)
    listed = json.loads(done.stdout.decode(encoding))  # GBK text: only what GBK lacks is escaped
    assert done.returncode == 0 and [x["assessment"] for x in listed] == [expected] * 2
    done = _triage(["assess", example, "--no-models", "--table"], encoding)
    assert done.returncode == 0 and done.stdout.decode(encoding).startswith("disposition: local_care")


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
    assert (code, out, err) == (2, "", f"error: settings file {settings}: models.enabled: {why}\n")


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
        f"error: policy file {policy}: models.cvd: no such risk model; known: cvd10, stroke10, diabetes, ckd\n"
    )
    # without the models the policy's model tables are not used: nothing to refuse
    code, _, err = run(capsys, "assess", example, "--policy", str(policy), "--no-models")
    assert code == 0, err
    policy.write_text('[models.cvd10]\nthreshold = 0.01\nlevel = "routine_referral"\n', encoding="utf-8")
    code, out, err = run(capsys, "assess", example, "--policy", str(policy), "--models")
    assert code == 0, err
    assert json.loads(out)["disposition"] == "routine_referral"  # cvd10's 1.8% is above 1%


def test_an_empty_input_says_it_is_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty file (a failed export, a redirect that truncated it) read 'invalid JSON at line 1,
    column 1: Expecting value'."""
    for content in (b"", b"\xef\xbb\xbf \r\n"):
        path = tmp_path / "case.json"
        path.write_bytes(content)
        code, out, err = run(capsys, "assess", str(path), "--no-models")
        assert (code, out) == (2, "")
        assert err == f"error: {path}: empty; expected a JSON object (an input file as in examples/)\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, _, err = run(capsys, "assess", "-", "--no-models")
    assert (code, err) == (2, "error: stdin: empty; expected a JSON object (an input file as in examples/)\n")


def test_stderr_stays_clean_where_home_cannot_be_written(tmp_path: Path) -> None:
    """onnxruntime (1.29+) starts its telemetry on import: it writes a device id under
    ~/.cache/Microsoft, and where HOME cannot be written printed '[W:onnxruntime:Default,
    telemetry_1ds.cc] Failed to persist telemetry device ID' on stderr of every command that loads
    the risk models. `triage` turns the telemetry off before onnxruntime is imported."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # HOME under a file: not even root can create it
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    triage = str(Path(sys.executable).with_name("triage"))
    for home in (blocker / "home", tmp_path / "home"):
        result = subprocess.run(
            [triage, "assess", "--models", str(EXAMPLES / "local-care.json")],
            env={**env, "HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert Assessment.model_validate_json(result.stdout).models
    assert not (tmp_path / "home").exists()  # nothing written under a writable HOME either


def test_json_is_accepted_as_in_every_other_command_and_table_contradicts_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every other command prints text and takes --json; assess prints JSON by default (its
    documented output), and `triage assess --json FILE` was 'No such option: --json'. --json
    now gives the same JSON; with --table (or --pretty) it is refused rather than dropped."""
    example = str(EXAMPLES / "local-care.json")
    fixed = ("--no-models", "--now", "2026-11-25T10:00:00+08:00")
    code, default, _ = run(capsys, "assess", example, *fixed)
    assert code == 0
    code, explicit, err = run(capsys, "assess", "--json", example, *fixed)
    assert code == 0 and explicit == default and err == ""
    code, pretty, _ = run(capsys, "assess", "--json", "--pretty", example, *fixed)
    assert code == 0 and json.loads(pretty) == json.loads(default) and pretty != default
    for flag in ("--json", "--pretty"):
        code, out, err = run(capsys, "assess", flag, "--table", example, *fixed)
        assert code == 2 and out == ""
        assert err == (
            f"error: --table and {flag} contradict each other: --table prints a summary, not JSON;"
            " give one of them (JSON is the default)\n"
        )
