"""When in this pregnancy a reading was measured: before 20 weeks, or perhaps from 20 weeks. NICE
NG133 (2019) reads new proteinuria from 20 weeks for pre-eclampsia; a reading stays usable after it
was measured (a dipstick 30 days, laboratory values 90 days), so at 20-23 weeks the one used may
predate 20 weeks. Counted back from the assessment (``Evidence.at``) over the completed weeks
recorded. Pure: no I/O, no framework."""

from __future__ import annotations

from datetime import timedelta

from triage.evidence import Evidence
from triage.patient import PRE_ECLAMPSIA_FROM_WEEKS


def acr_before_20_weeks(ev: Evidence) -> bool:
    """Whether the ACR used may have been measured before 20 weeks of this pregnancy: the completed
    weeks recorded at the assessment (``Evidence.at``) less the time since it was measured below 20
    (read from the weeks' first day: the earliest she may be). Before 20 weeks an ACR does not
    quantify new proteinuria from 20 weeks (NICE NG133 1.4.3-1.4.7: a dipstick of 1+ or more from
    20 weeks is quantified). With the weeks not recorded she is counted as from 20 weeks, and so is
    the ACR; an ACR not final, stale or QC-flagged is none (``triage.selection``)."""
    return measured_before_20_weeks(ev, "albumin_creatinine_ratio", surely=False)


def acr_surely_before_20_weeks(ev: Evidence) -> bool:
    """Whether the ACR used was measured before 20 weeks even read from the completed weeks' last day
    (the latest she may be): only such an ACR is not pre-eclampsia's new proteinuria (NICE NG133) for
    the ACR, pressure and dipstick rules; one that may be from 20 weeks is (below 8 mg/mmol it
    quantifies no dipstick, :func:`acr_before_20_weeks`): each reads the doubt the cautious way."""
    return measured_before_20_weeks(ev, "albumin_creatinine_ratio", surely=True)


def measured_before_20_weeks(ev: Evidence, code: str, *, surely: bool) -> bool:
    """Whether the reading of ``code`` used (the ACR, a dipstick's ``urine_protein``) was measured
    before 20 weeks - perhaps (the weeks' first day), or ``surely`` (their last day)."""
    weeks, at = ev.patient.gestation_weeks, ev.at
    reading = ev.latest.get(code)
    if reading is None or weeks is None or at is None:
        return False
    since = at - reading.observed_at
    if surely:
        return since >= timedelta(weeks=weeks + 1 - PRE_ECLAMPSIA_FROM_WEEKS)
    return since > timedelta(weeks=weeks - PRE_ECLAMPSIA_FROM_WEEKS)
