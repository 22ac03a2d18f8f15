"""An H3 estimate from one clinic says "1 clinic": the CLI and the page said "1 clinics"."""

from __future__ import annotations

from analytics.reports.key_figures import h3_estimate


def test_an_estimate_from_one_clinic_is_said_in_the_singular() -> None:
    one = {"effect": -0.051, "ci_low": -0.423, "ci_high": 0.322, "clinics": 1}
    assert h3_estimate("its", one) == "local share -5.1 points (95% CI -42.3 to +32.2; 1 clinic)"
    assert h3_estimate("its", one | {"clinics": 5}).endswith("; 5 clinics)")
