"""`triage study rebuild` says which engine fitted Models 1-3: with `--backend r` neither the report,
the tables, the CLI nor `--json` said so, so a report fitted in R - or by R's glm, R's ergm not
being installed - could not be told from one fitted by this engine."""

from __future__ import annotations

import json
from html import escape
from importlib import metadata
from pathlib import Path

import pytest

from analytics.rbridge import r_available
from analytics.study.dataset import load_study
from analytics.study.models import NODE_ATTRIBUTES, fit_frame
from triage.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"
R_OK, R_INFO = r_available()


def test_a_fit_by_this_engine_says_so() -> None:
    (frame,) = load_study(EXAMPLE, NODE_ATTRIBUTES).frames
    assert fit_frame(frame).fitted_by() == (
        "Models 1-3 fitted by this engine (analytics/ergm, Python): Maximum Likelihood."
    )


@pytest.mark.r
@pytest.mark.skipif(not R_OK, reason=f"R backend unavailable: {R_INFO}")
def test_a_rebuild_fitted_in_r_says_which_r_path_and_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], worked_example_r_json: tuple[int, Path, str, str]
) -> None:
    from analytics.rbridge import r_has_ergm

    code, out, stdout, _ = worked_example_r_json  # `--data examples/study --backend r --json`
    assert code == 0
    document = json.loads(stdout)
    said = document["fitted_by"]["region"]
    path = "R ergm" if r_has_ergm() else "R glm on the dyad table"
    assert said.startswith(f"Models 1-3 fitted in R: Maximum Likelihood ({path}); R version ")
    assert escape(said) in (out / "report.html").read_text(encoding="utf-8")
    argv = ["study", "rebuild", "--data", str(EXAMPLE), "--out", str(tmp_path / "out"), "--backend", "r"]
    assert main([*argv, "--quiet"]) == 0
    assert said in capsys.readouterr().out.splitlines()
    # the same as keys, as `triage study fit --json` records them: R's version was words only
    fitted_with = document["fitted_with"]["region"]
    assert fitted_with["backend"] == "r"
    assert R_INFO.startswith(f"R version {fitted_with['r_version']} ")
    assert (fitted_with["ergm_version"] is None) == (not r_has_ergm())
    assert fitted_with["software"]["rpy2"] == metadata.version("rpy2")


def test_a_rebuild_fitted_here_records_its_software_and_no_r(
    worked_example_json: tuple[int, Path, str, str],
) -> None:
    code, _, stdout, _ = worked_example_json  # `triage study rebuild --data examples/study --json`
    assert code == 0
    fitted_with = json.loads(stdout)["fitted_with"]["region"]
    assert (fitted_with["backend"], fitted_with["r_version"], fitted_with["ergm_version"]) == (
        "python",
        None,
        None,
    )
    assert fitted_with["software"]["numpy"] == metadata.version("numpy")
