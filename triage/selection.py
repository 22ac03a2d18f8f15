"""Step 1 of ``assess()`` (``triage.assess``): which observations are used, and why each other one
was ignored - QC-flagged, preliminary and cannot-be-done results, readings older than the policy's
freshness limit or in the future; of the rest, the latest per code is used and older ones are
"superseded" (at equal times a corrected result wins over a final one); a latest systolic and
diastolic of one measurement whose diastolic is not below the systolic (``triage.bp_pair``) are
both ignored ("implausible_pair").

Pure: no I/O, no clock (``now`` is given).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from triage.assessment import IgnoredObservation, IgnoredReason, ignored_observation
from triage.bp_pair import not_below
from triage.observation import Observation, Status
from triage.phrases import (
    IGNORED_BP_NOT_BELOW,
    IGNORED_CANNOT_BE_DONE,
    IGNORED_IN_FUTURE,
    IGNORED_PRELIMINARY,
    IGNORED_QC,
    IGNORED_STALE,
    IGNORED_SUPERSEDED,
    IGNORED_SUPERSEDED_UNUSED,
)
from triage.policy import Policy, PolicyRuntime

_CANNOT_BE_DONE, _PRELIMINARY = Status.cannot_be_done, Status.preliminary
# why a reading was not used (triage.phrases): fixed texts, and %-formats for the ones with values
# ("%g" is format(hours, "g"), the same digits)
_QC_DETAIL, _CANNOT_BE_DONE_DETAIL = IGNORED_QC.template, IGNORED_CANNOT_BE_DONE.template
_PRELIMINARY_DETAIL = IGNORED_PRELIMINARY.template
_IN_FUTURE_DETAIL = IGNORED_IN_FUTURE.printf({"assessed_at": "%s"})
_STALE_DETAIL = IGNORED_STALE.printf({"hours": "%g"})
_SUPERSEDED_DETAIL = IGNORED_SUPERSEDED.printf({"code": "%s", "observed_at": "%s"})
_SUPERSEDED_UNUSED_DETAIL = IGNORED_SUPERSEDED_UNUSED.printf({"code": "%s", "observed_at": "%s"})
_BP_NOT_BELOW_DETAIL = IGNORED_BP_NOT_BELOW.printf({"dbp": "%g", "sbp": "%g"})


def _rank_key(o: Observation) -> tuple[datetime, int]:
    return (o.observed_at, 1 if o.status is Status.corrected else 0)


def select_observations(
    observations: Iterable[Observation], policy: Policy, now: datetime, runtime: PolicyRuntime | None = None
) -> tuple[dict[str, Observation], list[IgnoredObservation]]:
    """The latest usable observation per code, and every other one with why it was ignored."""
    latest: dict[str, Observation] = {}
    # a superseded reading's place in ``ignored`` (None until the end), and the reading: its
    # detail names the reading finally used, known only once every reading was seen
    ignored: list[IgnoredObservation | None] = []
    superseded: list[tuple[int, Observation]] = []
    rt = runtime or policy.runtime
    max_age, default_age = rt.max_age, rt.default_age
    future = now + rt.future_tolerance

    def ignore(o: Observation, reason: IgnoredReason, detail: str) -> None:
        ignored.append(ignored_observation(o.code, o.display_value(), o.observed_at, reason, detail))

    for o in observations:
        # the record's fields read from its __dict__: a pydantic record's attributes take
        # CPython's slow path (the class defines __getattr__)
        fields = o.__dict__
        status = fields["status"]
        if fields["qc"]:
            ignore(o, "qc", _QC_DETAIL)
        elif status is _CANNOT_BE_DONE:
            ignore(o, "cannot_be_done", _CANNOT_BE_DONE_DETAIL)
        elif status is _PRELIMINARY:
            ignore(o, "not_final", _PRELIMINARY_DETAIL)
        elif (observed_at := fields["observed_at"]) > future:
            ignore(o, "in_future", _IN_FUTURE_DETAIL % now.isoformat())
        elif now - observed_at > max_age.get(code := fields["code"], default_age):
            ignore(o, "stale", _STALE_DETAIL % policy.freshness.max_age_hours(code))
        else:
            current = latest.get(code)
            if current is None:
                latest[code] = o
            elif _rank_key(o) >= _rank_key(current):
                superseded.append((len(ignored), current))
                ignored.append(None)
                latest[code] = o
            else:
                superseded.append((len(ignored), o))
                ignored.append(None)
    # a diastolic at or above the systolic of the same measurement (``triage.bp_pair``: swapped
    # fields stored before the entry check, or two single entries) is used for nothing: both are
    # ignored and reported missing, never scored as the numbers say
    sbp, dbp = latest.get("sbp"), latest.get("dbp")
    if sbp is not None and dbp is not None and not_below(sbp, dbp):
        detail = _BP_NOT_BELOW_DETAIL % (dbp.value, sbp.value)
        ignore(sbp, "implausible_pair", detail)
        ignore(dbp, "implausible_pair", detail)
        del latest["sbp"], latest["dbp"]
        dropped = {"sbp": sbp, "dbp": dbp}
    else:
        dropped = {}
    for place, o in superseded:
        code = o.code
        used = latest.get(code)
        if used is not None:
            detail = _SUPERSEDED_DETAIL % (code, used.observed_at.isoformat())
        else:  # the reading that replaced it is one of a swapped pair: nothing of the code is used
            detail = _SUPERSEDED_UNUSED_DETAIL % (code, dropped[code].observed_at.isoformat())
        ignored[place] = ignored_observation(code, o.display_value(), o.observed_at, "superseded", detail)
    return latest, [entry for entry in ignored if entry is not None]
