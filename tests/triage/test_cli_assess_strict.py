"""`triage assess` reads its JSON as the API does (``triage.json_input``): a time is ISO 8601 text
with an offset (a Unix number could be seconds or milliseconds), a clinical yes/no is JSON
true/false (never "false" or 0), a number is a JSON number; each is exit 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.cli import main

TIME_RULE = "must be an ISO 8601 date-time with a UTC offset, e.g. 2026-12-05T09:30:00+08:00"
EPOCH = "; a bare number is refused: it could be seconds or milliseconds since 1970"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"observations": [{"code": "spo2", "value": 95, "observed_at": 1733380000}]},
            f"observations[0].observed_at: {TIME_RULE}{EPOCH} (got 1733380000)",
        ),
        (
            {"observations": [{"code": "spo2", "value": 95, "observed_at": 1733380000123}]},
            f"observations[0].observed_at: {TIME_RULE}{EPOCH} (got 1733380000123)",
        ),
        ({"assessed_at": 1733380000}, f"assessed_at: {TIME_RULE}{EPOCH} (got 1733380000)"),
        ({"assessed_at": True}, f"assessed_at: {TIME_RULE} (got true)"),
        (
            {"patient": {"sex": "female", "pregnant": "false"}},
            'patient.pregnant: must be true or false (a JSON boolean, without quotes) (got "false")',
        ),
        (
            {"patient": {"on_antihypertensives": 0}},
            "patient.on_antihypertensives: must be true or false (a JSON boolean, without quotes) (got 0)",
        ),
        (
            {"patient": {"diabetes": "yes"}},
            'patient.diabetes: must be true or false (a JSON boolean, without quotes) (got "yes")',
        ),
        (
            {"patient": {"age": "58"}},
            'patient.age: must be a number (a JSON number, without quotes) (got "58")',
        ),
        (
            {"patient": {"waist_cm": "9_0"}},
            "patient.waist_cm: must be a number (a JSON number, without quotes)",
        ),
        (
            {"patient": {"age": True}},
            "patient.age: must be a number (a JSON number, without quotes) (got true)",
        ),
        # a JSON value is quoted as JSON: Python's True, None and 'x' are not what the file says
        (
            {
                "observations": [
                    {"code": "spo2", "value": True, "unit": "%", "observed_at": "2026-12-05T09:30:00+08:00"}
                ]
            },
            "observations[0].value: spo2: value true must be a number in %",
        ),
        (
            {
                "observations": [
                    {"code": "spo2", "value": 95, "unit": False, "observed_at": "2026-12-05T09:30:00+08:00"}
                ]
            },
            "observations[0].unit: must be a string, got false",
        ),
        (
            {
                "observations": [
                    {"code": "spo2", "value": 95, "qc": "yes", "observed_at": "2026-12-05T09:30:00+08:00"}
                ]
            },
            'observations[0].qc: must be true or false, got "yes"',
        ),
        ({"patient": {"sex": True}}, 'patient.sex: Input should be "female" or "male" (got true)'),
    ],
)
def test_a_guessable_value_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: object, message: str
) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code = main(["assess", str(path), "--no-models"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {path}: {message}"), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_json_booleans_numbers_and_a_censored_value_text_are_still_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "assessed_at": "2026-12-05T09:40:00+08:00",
        "patient": {"age": 58, "sex": "female", "pregnant": False, "on_antihypertensives": None, "bmi": 24.5},
        "observations": [
            {
                "code": "glucose_random",
                "value": ">33.3",
                "unit": "mmol/L",
                "observed_at": "2026-12-05T09:30:00+08:00",
            },
            {"code": "spo2", "value": "97", "unit": "%", "observed_at": "2026-12-05T01:30:00Z", "qc": False},
        ],
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code = main(["assess", str(path), "--no-models"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assessment = json.loads(out)
    assert assessment["disposition"] in ("emergency_transfer", "urgent_referral"), "glucose >33.3 counts"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"patient": {"age": 1e400}}', "patient.age: the number 1e400 is too large to read"),
        ('{"patient": {"age": 60, "bmi": NaN}}', "patient.bmi: NaN is not a JSON number"),
        (
            '{"observations": [{"code": "spo2", "value": -Infinity, "unit": "%"}]}',
            "observations[0].value: -Infinity is not a JSON number",
        ),
        # half a UTF-16 pair: pydantic's "unable to parse raw data as a unicode string" before
        ('{"note": "x\\udc00"}', "note: has a lone UTF-16 surrogate escape (\\udc00), half of a pair"),
        # more digits than Python reads in one integer: a traceback, then a line naming no field
        ('{"patient": {"age": 1' + "0" * 5000 + "}}", "patient.age: the number 1000000000"),
    ],
)
def test_a_number_no_float_holds_or_json_has_not_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    """As the API (docs/service.md): it was read as Python's infinity or NaN and refused in its
    words (``patient.age: Input should be less than or equal to 130 (got Infinity)``), or an
    observation's NaN passed for a time missing (``observations[0].observed_at: required``)."""
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    code = main(["assess", str(path), "--no-models"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {path}: {message}"), err
    assert err.count("\n") == 1 and "Infinity)" not in err
