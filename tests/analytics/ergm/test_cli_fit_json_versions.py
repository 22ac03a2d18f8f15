"""`triage study fit --json` records what fitted the model: the backend, the versions of Python and
the packages that computed it, and for a fit in R the R version and R's ergm version (null when not
R; ergm's null when R's glm fitted it). A fit in R recorded neither in its JSON."""

from __future__ import annotations

import json
import platform
from importlib import metadata

import numpy as np
import pytest

from analytics.rbridge import r_available
from tests.analytics.ergm.fit_cli import FIT
from triage.cli import main

R_OK, R_INFO = r_available()


def _fit(capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, object]:
    assert main([*FIT, 'edges + nodeicov("HTH")', "--json", *options]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_a_python_fit_records_its_software_and_no_r(capsys: pytest.CaptureFixture[str]) -> None:
    fit = _fit(capsys)
    assert (fit["backend"], fit["r_version"], fit["ergm_version"]) == ("python", None, None)
    software = fit["software"]
    assert isinstance(software, dict)
    assert software["python"] == platform.python_version()
    assert software["numpy"] == np.__version__
    assert software["clinic-triage"] == metadata.version("clinic-triage")
    assert "rpy2" not in software


@pytest.mark.skipif(not R_OK, reason=f"R backend unavailable: {R_INFO}")
def test_a_fit_in_r_records_the_r_and_ergm_versions(capsys: pytest.CaptureFixture[str]) -> None:
    from analytics.rbridge import r_has_ergm

    fit = _fit(capsys, "--backend", "r")
    assert fit["backend"] == "r"
    # R_INFO is R.version.string: "R version 4.2.2 (2022-10-31)"
    assert isinstance(fit["r_version"], str) and R_INFO.startswith(f"R version {fit['r_version']} ")
    if r_has_ergm():
        import rpy2.robjects as ro

        assert fit["ergm_version"] == str(ro.r('as.character(packageVersion("ergm"))')[0])
    else:  # R's glm fitted it
        assert fit["ergm_version"] is None
    software = fit["software"]
    assert isinstance(software, dict) and software["rpy2"] == metadata.version("rpy2")
