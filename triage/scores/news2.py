"""NEWS2 (Royal College of Physicians, *National Early Warning Score (NEWS) 2*, London: RCP, 2017).

Chart 1 bands, both SpO2 scales, air/oxygen, ACVPU, the single-parameter "red score" rule and the
Chart 3/4 clinical risk and response. Values between two printed bands (e.g. a temperature of
35.05 C, which the chart never shows because it records 0.1 C) fall into the *more abnormal* of
the two bands: below normal, a band holds values below the lowest printed value of the next
better band; above normal, a band holds values up to its highest printed value. For every value
the chart can print, this is exactly the chart.

NEWS2 is not for children under 16 or for pregnant women (RCP 2017: physiology differs; use a
paediatric or maternity early warning score): for them the result is ``not_applicable`` with the
reason and no points, never the adult chart applied silently (``age`` in completed years). In the 6
weeks after birth (``postpartum``) it is computed - the RCP report does not name those weeks, and
refusing it would drop the red flags of a septic or bleeding mother - but it is not validated there
either (maternity early warning scores cover the postnatal weeks): the detail ends saying so
(``phrases.NEWS2_AFTER_BIRTH``, flag ``not_validated_after_birth``).

Missing parameters are never scored as normal: ``value`` is then the sum of the parameters
present (a lower bound), ``complete`` is false and ``missing`` names them. A lower bound of 0 is
not ``low`` (routine monitoring): every missing parameter could add up to 3 points, so the band is
``incomplete`` and the detail asks for the missing parameters now.
"""

from __future__ import annotations

from triage import phrases
from triage.errors import json_text
from triage.scores.result import (
    ScoreResult,
    among,
    could_reach,
    incomplete,
    no_inputs,
    not_applicable,
    score_result,
    years,
)

_DETAIL = phrases.NEWS2.printf({"total": "%s%s", "scale": "%s", "response": "%s", "monitoring": "%s"})

_UNDETERMINED = phrases.NEWS2_UNDETERMINED.printf(
    {"total": ">=%d", "scale": "%s", "scored": "%d", "items": "%d", "most": "%d"}
)
AFTER_BIRTH = "; " + phrases.NEWS2_AFTER_BIRTH.template
"""The clause the detail ends with after birth (``postpartum``); the red score's reason ends with it too."""
REFERENCE = "Royal College of Physicians. National Early Warning Score (NEWS) 2. London: RCP, 2017"
ADULT_AGE = 16
PARAMETERS = ("resp_rate", "spo2", "supplemental_o2", "sbp", "heart_rate", "consciousness", "temperature")

RESPONSES = {
    "low": ("at least 12-hourly", "routine monitoring"),
    "low_elevated": ("at least 4-6-hourly", "registered nurse to assess"),
    "low_medium": (
        "at least 1-hourly",
        "red score: registered nurse informs medical team; urgent ward-based review",
    ),
    "medium": ("at least 1-hourly", "urgent response: assessment by a clinician competent in acute illness"),
    "high": (
        "continuous",
        "emergency response: assessment by a critical-care team; consider transfer to level 2/3 care",
    ),
}
"""RCP 2017 Chart 4 by Chart 3 band: (minimum monitoring frequency, clinical response). The
monitoring is the timing RCP gives and the detail says it; how soon the patient is assessed again
here is the rules' and the policy's re-check (``news2_low_elevated`` 240 minutes; an urgent
referral 60, an emergency transfer 15), not a column of this table (a third, unused one, minutes,
disagreed with "continuous" for the high band)."""


def score_resp_rate(rr: float) -> int:
    if rr < 9:
        return 3
    if rr < 12:
        return 1
    if rr <= 20:
        return 0
    if rr <= 24:
        return 2
    return 3


def score_spo2_scale1(spo2: float) -> int:
    if spo2 < 92:
        return 3
    if spo2 < 94:
        return 2
    if spo2 < 96:
        return 1
    return 0


def score_spo2_scale2(spo2: float, on_oxygen: bool) -> int:
    """Scale 2 (hypercapnic respiratory failure, target 88-92 %); >=93 % scores only on oxygen."""
    if spo2 < 84:
        return 3
    if spo2 < 86:
        return 2
    if spo2 < 88:
        return 1
    if spo2 <= 92 or not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def score_air_or_oxygen(on_oxygen: bool) -> int:
    return 2 if on_oxygen else 0


def score_sbp(sbp: float) -> int:
    if sbp < 91:
        return 3
    if sbp < 101:
        return 2
    if sbp < 111:
        return 1
    if sbp <= 219:
        return 0
    return 3


def score_pulse(hr: float) -> int:
    if hr < 41:
        return 3
    if hr < 51:
        return 1
    if hr <= 90:
        return 0
    if hr <= 110:
        return 1
    if hr <= 130:
        return 2
    return 3


def score_consciousness(acvpu: str) -> int:
    """Alert scores 0; new Confusion, Voice, Pain, Unresponsive score 3."""
    if acvpu == "A":
        return 0
    if acvpu in ("C", "V", "P", "U"):
        return 3
    raise ValueError(f"consciousness must be one of A, C, V, P, U, got {json_text(acvpu)}")


def score_temperature(t: float) -> int:
    if t < 35.1:
        return 3
    if t < 36.1:
        return 1
    if t <= 38.0:
        return 0
    if t <= 39.0:
        return 1
    return 2


MAXIMUM = {p: 2 if p == "supplemental_o2" else 3 for p in PARAMETERS}
"""Each parameter's maximum points on Chart 1."""


def band_for(total: int, red: bool) -> str:
    """Chart 3 clinical risk: 'low', 'low_elevated' (1-4), 'low_medium' (red score), 'medium', 'high'."""
    if total >= 7:
        return "high"
    if total >= 5:
        return "medium"
    if red:
        return "low_medium"
    if total >= 1:
        return "low_elevated"
    return "low"


def news2(
    *,
    resp_rate: float | None,
    spo2: float | None,
    on_oxygen: bool | None,
    sbp: float | None,
    heart_rate: float | None,
    consciousness: str | None,
    temperature: float | None,
    scale2: bool = False,
    censored: tuple[str, ...] = (),
    age: float | None = None,
    pregnant: bool | None = None,
    postpartum: bool | None = None,
) -> ScoreResult:
    """NEWS2 from the seven parameters (canonical units). ``scale2`` is the clinician-set flag;
    ``age`` (years) under 16 or ``pregnant`` makes it not applicable (RCP 2017); ``postpartum``
    (a birth in the last 6 weeks) leaves it computed, its detail saying it is not validated then."""
    if age is not None and years(age) < ADULT_AGE:
        reason = phrases.NEWS2_CHILD.format(age=years(age))
        return not_applicable("news2", reason, reference=REFERENCE, unit="points")
    if pregnant:
        return not_applicable("news2", phrases.NEWS2_PREGNANCY.template, reference=REFERENCE, unit="points")
    if spo2 is None:
        spo2_points = None
    elif scale2:
        # With oxygen status unknown, Scale 2 scores >=93 % as on air (the lower bound).
        spo2_points = score_spo2_scale2(spo2, bool(on_oxygen))
    else:
        spo2_points = score_spo2_scale1(spo2)
    components: dict[str, int | None] = {
        "resp_rate": None if resp_rate is None else score_resp_rate(resp_rate),
        "spo2": spo2_points,
        "supplemental_o2": None if on_oxygen is None else score_air_or_oxygen(on_oxygen),
        "sbp": None if sbp is None else score_sbp(sbp),
        "heart_rate": None if heart_rate is None else score_pulse(heart_rate),
        "consciousness": None if consciousness is None else score_consciousness(consciousness),
        "temperature": None if temperature is None else score_temperature(temperature),
    }
    missing = [name for name, points in components.items() if points is None]

    present = [p for p in components.values() if p is not None]
    if not present:
        return no_inputs("news2", components, missing, reference=REFERENCE)
    total = sum(present)
    red = 3 in present
    band = band_for(total, red)
    monitoring, response = RESPONSES[band]
    flags = ["red_score"] if red else []
    if total >= 7:
        flags.append("emergency_threshold")
    elif total >= 5:
        flags.append("urgent_threshold")
    detail = _DETAIL % ((">=" if missing else ""), total, "2" if scale2 else "1", response, monitoring)
    # 0 with parameters missing: each could add up to 3 points (air/oxygen 2), not "low"
    most = could_reach(components, MAXIMUM, 1)
    if most is not None:
        scored = len(present)
        band = "incomplete"
        detail = _UNDETERMINED % (total, "2" if scale2 else "1", scored, len(components), most)
    if missing:
        detail += incomplete(missing)
    if postpartum:
        detail += AFTER_BIRTH
        flags.append("not_validated_after_birth")
    out: dict[str, int | str | None] = dict(components)
    out["spo2_scale"] = 2 if scale2 else 1
    return score_result(
        name="news2",
        value=float(total),
        band=band,
        complete=not missing,
        components=out,
        flags=tuple(flags),
        missing=tuple(missing),
        censored=among(censored, PARAMETERS),
        detail=detail,
        reference=REFERENCE,
    )
