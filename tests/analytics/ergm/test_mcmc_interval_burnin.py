"""`triage study fit --mcmc-interval N --mcmc-burnin N` (``ergm(mcmc_interval=, mcmc_burnin=)``):
the cure the MCMC diagnostics point to for a trace that drifts or moves slowly, R's
``control.ergm(MCMC.interval =, MCMC.burnin =)``; the engine had set both from the network alone."""

from __future__ import annotations

import pytest

from analytics.ergm import ergm
from analytics.network_files import read_network
from analytics.rbridge import ergm_control_args
from tests.analytics.ergm.fit_cli import EXAMPLE, MCMC_FIT
from triage.cli import main


def test_the_fit_samples_with_the_interval_and_burnin_given(capsys: pytest.CaptureFixture[str]) -> None:
    text = [a for a in MCMC_FIT if a != "--json"]  # the summary's MCMC line says how it sampled
    assert main([*text, "--mcmc-interval", "15", "--mcmc-burnin", "450"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("MCMC: "))
    assert " draws every 15 proposals (TNT) after 450; seed " in line
    assert main([*MCMC_FIT[:-1], "--mcmc-burnin", "-1"]) == 2
    assert '"--mcmc-burnin": -1 is not in the range x>=0' in capsys.readouterr().err


def test_the_api_refuses_an_interval_below_one_and_a_negative_burnin() -> None:
    net = read_network(EXAMPLE / "nodes.csv", EXAMPLE / "edges.csv")
    with pytest.raises(ValueError, match="mcmc_interval must be at least 1 proposal, not 0"):
        ergm("edges + mutual + triangle", net, mcmc_interval=0)
    with pytest.raises(ValueError, match="mcmc_burnin must be 0 proposals or more, not -5"):
        ergm("edges + mutual + triangle", net, mcmc_burnin=-5)


def test_r_gets_them_as_control_ergm_arguments() -> None:
    args = ergm_control_args(dependent=True, valued=False, seed=None, mcmc_interval=2048, mcmc_burnin=40960)
    assert args["MCMC.interval"] == 2048 and args["MCMC.burnin"] == 40960
    # not given: R's own defaults; an exact fit samples nothing
    assert "MCMC.interval" not in ergm_control_args(dependent=True, valued=False, seed=None)
    assert ergm_control_args(dependent=False, valued=False, seed=None, mcmc_interval=2048) == {
        "MPLE.type": "logitreg"
    }
