"""Every input the referral log stores is checked for NUL characters (``records._Input._no_nul``);
the walk that names the field holding one (``_refuse_nul_in``, a path built for every key) runs only
when one is there - it ran for every input, though none holds one: six readings, the patient, the
visit and the assessment of each walk-in. What is refused, and what each refusal says, is unchanged."""

from __future__ import annotations

import re
from typing import Any

import pytest

from referral import records
from referral.errors import UserInputError
from referral.records import AssessmentIn, EncounterIn, ObservationIn, PatientIn

from .conftest import assessment_in

NUL = "has a NUL character (U+0000); send the text without it"


def _reading(**fields: Any) -> ObservationIn:
    values: dict[str, Any] = {
        "code": "spo2",
        "value_num": 97.0,
        "unit": "%",
        "observed_at": "2026-12-06T09:30:00+08:00",
    }
    return ObservationIn(**(values | fields))


def test_inputs_without_a_nul_are_not_walked_field_by_field(monkeypatch: pytest.MonkeyPatch) -> None:
    def walked(value: object, path: str, skip: frozenset[str]) -> None:
        raise AssertionError(f"walked an input without a NUL ({path!r})")

    monkeypatch.setattr(records, "_refuse_nul_in", walked)
    _reading(device="SpO2 \u2028 王", qc=None)
    PatientIn(mrn="MRN-1", name="Wang Fang", sex="female")
    EncounterIn(patient_mrn="MRN-1", started_at="2026-12-06T09:30:00+08:00")
    assessment_in(model_versions={"cvd10": "1.0.0"}, red_flags=["a", "b"], payload={"x": [{"y": "z"}]})


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda: _reading(device="oxi\x00meter"), "device"),
        (lambda: _reading(**{"unit\x00": "%"}), "(record)"),
        (lambda: PatientIn(mrn="MRN-1", name="Wang\x00"), "name"),
        (lambda: assessment_in(red_flags=["ok", "b\x00"]), "red_flags[1]"),
        (lambda: assessment_in(payload={"reasons": [{"detail": "\x00"}]}), "payload.reasons[0].detail"),
        (lambda: assessment_in(model_versions={"cvd\x00": "1"}), "model_versions"),
    ],
)
def test_a_nul_anywhere_is_refused_naming_its_field_as_before(make: Any, said: str) -> None:
    with pytest.raises(UserInputError, match=f"^{re.escape(f'{said}: {NUL}')}$"):
        make()


def test_a_nul_in_a_record_number_is_said_by_its_own_check_as_before() -> None:
    with pytest.raises(
        UserInputError,
        match=re.escape(
            "mrn: the record number has a control or invisible character (U+0000) at character 4"
        ),
    ):
        PatientIn(mrn="MRN\x001")
    with pytest.raises(UserInputError, match=re.escape(f"payload_json: {NUL}")):
        AssessmentIn.model_validate(
            {
                "disposition": "local_care",
                "policy_version": "p",
                "engine_version": "e",
                "payload_json": "{\x00}",
            }
        )
