"""`triage assess` on inputs it cannot assess: invalid, unreadable, empty, oversized or oddly encoded
documents - exit 2 and one line naming the file and the field; the other files still assessed."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tests.triage.assess_cli import EXAMPLES, run
from triage.assessment import Assessment


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
        (  # no unit: read in the canonical unit, and the line said "16.9 mm[Hg]" the input never said
            {"observations": [{"code": "sbp", "value": 16.9, "observed_at": "2026-11-25T08:00:00Z"}]},
            "observations[0].value: sbp: value 16.9 mm[Hg] is outside the plausible range 40-300 mm[Hg];"
            ' the input gives no unit, so it was read in mm[Hg]: add its "unit" if it is another (accepted too: kPa)',
        ),
        (
            {
                "observations": [
                    {"code": "spo2", "value": 130, "unit": "", "observed_at": "2026-11-25T08:00:00Z"}
                ]
            },
            "observations[0].value: spo2: value 130 % is outside the plausible range 40-100 %;"
            " the input gives no unit, so it was read in %: add its",
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
        ({"observations": {}}, "observations: expected a list, got an object"),  # was 'got dict'
        ({"observations": "spo2 97"}, "observations: expected a list, got a string"),
        ({"patient": None}, "patient: expected an object, got null"),  # was 'got NoneType'
        ({"patient": [58]}, "patient: expected an object, got an array"),
        (  # was 'Extra inputs are not permitted': nothing said it was a misspelt key, nor the right ones
            {"patient": {"agee": 58}},
            "patient.agee: unknown field; allowed: acute_symptoms, acute_symptoms_at, age, birth_date, bmi, ckd, current_smoker,",
        ),
        (  # a check across two fields: the line did not name the file
            {"patient": {"sex": "male", "pregnant": True}},
            'patient.pregnant: true is inconsistent with patient.sex "male"',
        ),
        ({"patients": {}}, 'unknown field "patients"'),
        (
            [],
            "expected a JSON object whose fields are all optional: 'patient' (an object),"
            " 'observations' (a list; none: insufficient_data), 'policy', 'assessed_at'; got an array",
        ),
        ("case", "whose fields are all optional: 'patient' (an object), 'observations' (a list"),
        ({"assessed_at": "noon"}, 'assessed_at: "noon" is not an ISO 8601 time'),
        # the labels were accepted whatever they held: "yes" did not label the table SYNTHETIC
        (
            {"synthetic": "yes"},
            'synthetic: must be true or false (a JSON boolean, without quotes), got "yes"',
        ),
        ({"synthetic": 1}, "synthetic: must be true or false (a JSON boolean, without quotes), got 1"),
        ({"note": 5}, "note: must be a string, got 5"),
        ({"note": ["a"]}, 'note: must be a string, got ["a"]'),
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
    # as the API says it (triage.json_input.loads): the number as written, cut, with its length
    assert err.startswith(f"error: {path}: observations[0].value: the number 1000"), err
    assert "... (401 characters) is too large to read" in err, err


def test_a_huge_patient_field_is_named_with_its_length_not_repeated_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((EXAMPLES / "local-care.json").read_text(encoding="utf-8"))
    doc["patient"]["age"] = 10**400
    path = tmp_path / "huge-age.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"error: {path}: patient.age: " in err and "... (401 characters) is too large" in err
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


@pytest.mark.parametrize("given", ["", " "])
def test_an_empty_now_is_refused_not_read_as_the_current_time(
    given: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--now "$WHEN"` with $WHEN unset assessed at the current time without a word: a saved case
    replayed by a script then changed its answer (stale readings, the acute symptoms' expiry)."""
    path = tmp_path / "case.json"
    path.write_text("{}", encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--no-models", "--now", given)
    assert (code, out) == (2, "")
    assert err == f'error: --now: "{given}" is not an ISO 8601 time (e.g. 2026-11-25T08:30:00+08:00)\n'
