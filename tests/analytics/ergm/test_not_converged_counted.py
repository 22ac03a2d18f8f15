"""An MCMC fit stopped after one iteration said 'did not converge in 1 iterations', in the CLI's
warning and in the fit's note, after a progress line 'at most 1 iterations'; counts are said in
words that agree with them."""

from __future__ import annotations

import pytest

from tests.analytics.ergm.fit_cli import FIT
from triage.cli import main


def test_one_iteration_is_said_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*FIT, "edges + triangle", "--max-iterations", "1", "--bridges", "0"]
    assert main(argv) == 1  # not shown converged in a single sample
    out, err = capsys.readouterr()
    assert "Note: MCMC-MLE did not converge in 1 iteration: the estimates may be inaccurate;" in out
    progress, warning = err.splitlines()[-2:]  # stderr is not a terminal: one line per stage
    assert progress == "... MCMC-MLE: sampling networks at the estimate, at most 1 iteration"
    assert warning.startswith("warning: the MCMC fit did not converge in 1 iteration (convergence test p = ")
