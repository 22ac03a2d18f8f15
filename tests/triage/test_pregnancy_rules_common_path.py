"""The pregnancy and after-birth blood-pressure rules on the common path: for a patient who is neither
pregnant nor in the 6 weeks after a birth, each is one check on the patient record and reads no
reading - ``assess()`` checks them for every patient (``postpartum_*`` twice for a raised pressure:
``bp_grade_1_2`` defers to them and is checked before them), so reading the pressures first was
work on every assessment for what few patients have (docs/assessment.md, "Performance", the
twenty-fourth session). Real rules and real evidence; only the values mapping counts its reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from tests.triage.conftest import ob
from triage.patient import PatientContext
from triage.rules import RULES_BY_NAME, evidence

RULES = (
    "pregnancy_hypertension",
    "pregnancy_severe_hypertension",
    "postpartum_hypertension",
    "postpartum_severe_hypertension",
)


class CountedReads(Mapping[str, float | str]):
    """A raised pressure's values, counting each read."""

    def __init__(self, values: dict[str, float | str]) -> None:
        self.values, self.reads = values, 0

    def __getitem__(self, code: str) -> float | str:
        self.reads += 1
        return self.values[code]

    def get(self, code: str, default: object = None) -> object:  # type: ignore[override]
        self.reads += 1
        return self.values.get(code, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def _evidence(patient: PatientContext, values: CountedReads) -> object:
    latest = {code: ob(code, value) for code, value in values.values.items()}
    return evidence(values, latest, patient, {}, 3.0, 33.3)


@pytest.mark.parametrize("name", RULES)
@pytest.mark.parametrize("answer", [None, False])
def test_a_patient_neither_pregnant_nor_after_birth_is_one_check_and_no_reading(
    name: str, answer: bool | None
) -> None:
    values = CountedReads({"sbp": 172.0, "dbp": 112.0})
    patient = PatientContext(age=30, sex="female", pregnant=answer, postpartum=answer)
    assert RULES_BY_NAME[name].check(_evidence(patient, values)) is None  # type: ignore[arg-type]
    assert values.reads == 0


@pytest.mark.parametrize(
    ("name", "field"), [(n, "pregnant" if n.startswith("pregnancy") else "postpartum") for n in RULES]
)
def test_a_pregnant_or_recently_delivered_woman_still_has_her_pressure_read(name: str, field: str) -> None:
    values = CountedReads({"sbp": 172.0, "dbp": 112.0})
    patient = PatientContext(age=30, sex="female", **{field: True})
    finding = RULES_BY_NAME[name].check(_evidence(patient, values))  # type: ignore[arg-type]
    assert finding is not None and finding.values["sbp"] == 172.0
    assert values.reads > 0
