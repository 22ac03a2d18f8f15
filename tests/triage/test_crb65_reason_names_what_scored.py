"""CRB-65's blood-pressure item scores for a systolic below 90 *or* a diastolic of 60 or less (Lim WS
et al. Thorax 2003;58:377). Its reason named both pressures whenever the item scored - "scoring: sbp
120 mm[Hg], dbp 55 mm[Hg]" read as if a systolic of 120 were low. Now only the pressure that met the
criterion, at each cut-point on both sides, in the engine's reason and on the staff pages (en, zh)."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.patient import PatientContext

# (sbp, dbp, the pressures the reason names)
CASES = [
    (120, 60, ["dbp 60"]),
    (120, 55, ["dbp 55"]),
    (89, 70, ["sbp 89"]),
    (89, 60, ["sbp 89", "dbp 60"]),
    (90, 60, ["dbp 60"]),
    (89, 61, ["sbp 89"]),
    ("<90", 70, ["sbp <90"]),
]


def _reason(sbp: float | str, dbp: float) -> tuple[dict[str, object], object]:
    from tests.service.test_engine_text import _payload

    readings = [ob("sbp", sbp), ob("dbp", dbp), ob("resp_rate", 18), ob("consciousness", "A")]
    payload = _payload(PatientContext(age=50), readings, ALL_ON)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "crb65_intermediate"]
    return payload, reason


@pytest.mark.parametrize(("sbp", "dbp", "named"), CASES)
def test_the_reason_names_only_the_pressure_that_scored(
    sbp: float | str, dbp: float, named: list[str]
) -> None:
    a = assess(PatientContext(age=50), [ob("sbp", sbp), ob("dbp", dbp)], ALL_ON, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule == "crb65_intermediate"]
    scoring = reason.detail.split("; scoring: ", 1)[1].split(" (", 1)[0]
    assert scoring == ", ".join(f"{n} mmHg" for n in named), reason.detail


@pytest.mark.parametrize(("sbp", "dbp", "named"), CASES)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_staff_pages_name_only_the_pressure_that_scored(
    language: str, sbp: float | str, dbp: float, named: list[str]
) -> None:
    from triage.service.pages.engine_text import EngineText

    payload, reason = _reason(sbp, dbp)
    shown = EngineText(language, payload).detail(reason)  # type: ignore[arg-type]
    for pressure in ("sbp", "dbp"):
        value = str(sbp if pressure == "sbp" else dbp)
        said = f"{value} mmHg"
        if any(n.startswith(pressure) for n in named):
            assert said in shown or said.replace("<", "&lt;") in shown, shown
        else:
            assert f" {value} mmHg" not in shown, shown
