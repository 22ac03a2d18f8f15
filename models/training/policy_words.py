"""Card text about the built-in policy (triage/policy_default.toml), written by the training from
the policy's values: what a model may do on its own, so that a reader of the card alone knows."""

from __future__ import annotations

from triage.assessment import Disposition
from triage.policy import load_policy

WHO_VERY_HIGH = "; WHO CVD risk charts: 30% or more is very high"


def _in_force(name: str, high: float) -> tuple[float, Disposition]:
    """The probability the built-in policy lets model ``name`` route from, and the level: its
    ``[models.NAME] threshold`` or else the card's high band (``high``), as triage.assess does."""
    models = load_policy().models
    setting = models.for_model(name)
    return (high if setting.threshold is None else setting.threshold), models.level_for(name)


def band_action(name: str, high: float, min_probability: float, local: str, purpose: str) -> str:
    """A card band's action as the built-in policy carries it out: a referral for ``purpose`` when
    the policy refers from this band's lower bound (``min_probability``) or below; else ``local``,
    and for the high band of a model the policy refers from a higher probability, from where it
    does: the cvd10 and stroke10 cards said "refer routine" at 10 % while the policy refers from 30 %."""
    threshold, level = _in_force(name, high)
    referral = f"a {level.value.replace('_', ' ')} for {purpose}"
    if level is not Disposition.local_care and min_probability >= threshold:
        return f"refer: {referral}"
    if level is Disposition.local_care or min_probability < high:
        return local
    return (
        f"{local}; the built-in policy refers - {referral} - only from {threshold:.0%}"
        f" ([models.{name}] threshold = {threshold:g})"
    )


def policy_limitation(name: str, high: float, decides: str = "the published scores and rules decide") -> str:
    """What the built-in policy (triage/policy_default.toml) lets model ``name`` do on its own, from
    the policy's values: the threshold it refers from and the level, against the card's high band
    (``high``); a limitation, so that a reader of the card knows what a probability does."""
    threshold, level = _in_force(name, high)
    where = f"[models.{name}] in triage/policy_default.toml"
    if level is Disposition.local_care:
        return (
            f"The built-in policy keeps this model at local care ({where}): at its threshold it is scored and"
            f" shown, and refers nobody on its own; {decides}. A clinic may set its level in its policy."
        )
    said = f"The built-in policy lets this model refer on its own - a {level.value.replace('_', ' ')} - from a probability of {threshold:.0%}"
    if threshold == high:
        return f"{said}, its high band ({where})."
    return (
        f"{said} ({where}: threshold = {threshold:g}{WHO_VERY_HIGH if threshold == 0.30 else ''}), not"
        f" from its high band: from {high:.0%} to under {threshold:.0%} it is scored and shown (probability,"
        f" band) and routes nobody on its own; {decides}. A clinic policy with"
        f" threshold = {high:g} refers from the high band."
    )
