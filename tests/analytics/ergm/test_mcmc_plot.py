"""`triage study fit --mcmc-plot FILE.png`: a fit by MCMC's trace and density plots, as R's
``mcmc.diagnostics(fit)`` draws them, where an analyst had Geweke z and effective sizes as numbers
only; refused, naming why, for a fit with no draws."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analytics.ergm import ergm
from analytics.network_files import read_network
from analytics.study.figures import mcmc as mcmc_module
from analytics.study.figures import mcmc_figure, mcmc_panel_title
from tests.analytics.ergm.fit_cli import EXAMPLE, FIT, MCMC_FIT
from triage.cli import main


def test_a_fit_by_mcmc_writes_a_trace_and_a_density_per_statistic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[Any, Any]] = []  # (the fit, its figure) as the command drew them

    def recording(result: Any) -> Any:
        fig = mcmc_figure(result)
        drawn.append((result, fig))
        return fig

    monkeypatch.setattr(mcmc_module, "mcmc_figure", recording)
    png = tmp_path / "mcmc.png"
    assert main([*MCMC_FIT, "--mcmc-plot", str(png)]) == 0
    out, err = capsys.readouterr()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(out)["terms"]  # stdout is still the fit alone
    ((result, fig),) = drawn
    d, sample = result.diagnostics, result.mcmc_sample
    assert result.terms == ("edges", "mutual", "nodeicov.HTH")
    assert sample.shape == (d["draws"], 3)
    assert f"wrote {png}: the MCMC trace and density of 3 statistics over {d['draws']:,} draws" in err
    # the draws are the final sample's statistics minus the observed ones: their t-ratios are the fit's
    np.testing.assert_allclose(sample.mean(axis=0) / sample.std(axis=0), d["t_ratio"])
    axes = fig.axes
    assert len(axes) == 2 * 3  # one pair of panels (trace, density) per statistic
    for k, term in enumerate(result.terms):
        trace, density = axes[2 * k], axes[2 * k + 1]
        title = mcmc_panel_title(term, d["geweke_z"][k], d["effective_size"][k], d["draws"])
        assert trace.get_title() == density.get_title() == title
        assert f"{term}\nGeweke z " in title and " effective size " in title
        np.testing.assert_array_equal(trace.lines[0].get_ydata(), sample[:, k])
        assert trace.lines[1].get_ydata()[0] == 0.0  # the observed statistic
        assert density.patches or density.lines  # a histogram (whole numbers) or a kernel density


@pytest.mark.parametrize(
    ("formula", "options", "how"),
    [
        (
            'edges + nodeicov("HTH")',
            [],
            "--mcmc-plot applies only to a fit by MCMC; this model is fitted by exact maximum likelihood"
            " (a logistic regression on the dyads), sampling nothing, because every term of the formula"
            " is dyad-independent (none of mutual, triangle or gwesp), so it has no draws to plot; drop"
            " --mcmc-plot",
        ),
        (
            "edges + mutual",
            [],
            "--mcmc-plot applies only to a fit by MCMC; this model is fitted by exact maximum likelihood"
            " in closed form, sampling nothing, because edges and mutual alone on a directed network make"
            " each dyad's state independent of the others, so it has no draws to plot; drop --mcmc-plot",
        ),
        (
            "edges + triangle",
            ["--backend", "r"],
            "--mcmc-plot applies to --backend python only: this model is fitted by MCMC in R's ergm, whose"
            " draws stay in R (mcmc.diagnostics(fit) draws them there); drop --mcmc-plot, or use --backend"
            " python",
        ),
    ],
)
def test_a_fit_without_draws_is_refused_and_no_plot_is_written(
    formula: str, options: list[str], how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "mcmc.png"
    assert main([*FIT, formula, *options, "--mcmc-plot", str(png)]) == 2
    assert capsys.readouterr().err == f"error: {how}\n"
    assert not png.exists()


def test_a_plot_file_that_cannot_be_written_is_refused_before_the_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mcmc = [*FIT, "edges + triangle", "--mcmc-plot"]
    for given, problem in (
        (tmp_path / "nope" / "mcmc.png", f"the folder {tmp_path / 'nope'} does not exist"),
        (tmp_path / "mcmc.pdf", "not a .png file name; the plot is a PNG (e.g. mcmc.png)"),
        (tmp_path, f"a folder; give the PNG file's name (e.g. {tmp_path / 'mcmc.png'})"),
    ):
        assert main([*mcmc, str(given)]) == 2
        assert capsys.readouterr().err.startswith(f"error: --mcmc-plot {given}: {problem}")
    assert list(tmp_path.iterdir()) == []


def test_an_exact_fit_has_no_draws_to_draw() -> None:
    net = read_network(EXAMPLE / "nodes.csv", EXAMPLE / "edges.csv")
    exact = ergm('edges + nodeicov("HTH")', net)
    assert exact.mcmc_sample is None
    with pytest.raises(ValueError, match="samples no networks, so it has no MCMC draws to plot"):
        mcmc_figure(exact)
