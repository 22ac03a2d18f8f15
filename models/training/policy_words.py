"""Card text about the built-in policy (triage/policy_default.toml), written by the training from
the policy's values: what a model may do on its own, so that a reader of the card alone knows."""

from __future__ import annotations

from triage.assessment import Disposition
from triage.policy import load_policy

WHO_VERY_HIGH = "; WHO CVD risk charts: 30% or more is very high"


def policy_limitation(name: str, high: float, decides: str = "the published scores and rules decide") -> str:
    """What the built-in policy (triage/policy_default.toml) lets model ``name`` do on its own, from
    the policy's values: the threshold it refers from and the level, against the card's high band
    (``high``); a limitation, so that a reader of the card knows what a probability does."""
    models = load_policy().models
    setting, level = models.for_model(name), models.level_for(name)
    threshold = high if setting.threshold is None else setting.threshold
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
