"""Published clinical scores, exactly as published. Pure functions; no I/O."""

from __future__ import annotations

from collections.abc import Callable


def risk_shown(name: str, value: float) -> str | None:
    """A risk score's value as its detail shows it, never a number of another band
    (``result.percent_shown``: China-PAR 9.999998 % is "9.99", not "10"); ``None`` for a score
    that is not a risk in % (shown as it was)."""
    from triage.scores import china_par, pce
    from triage.scores.result import percent_shown

    bands: dict[str, Callable[[float], str]] = {"china_par": china_par.category, "pce": pce.category}
    return percent_shown(value, bands[name]) if name in bands else None
