"""`triage study rebuild` end to end on the embedded dataset and on the worked example."""

from __future__ import annotations

import contextlib
import io
import json
import re
from html import escape
from pathlib import Path

import pandas as pd
import pytest

from analytics.study.rebuild import RebuildResult
from triage.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


@pytest.fixture(scope="module")
def rebuilt(embedded_rebuild: tuple[RebuildResult, list[str]]) -> tuple[RebuildResult, list[str]]:
    """The session's one rebuild of the embedded dataset (conftest), with the progress it said."""
    return embedded_rebuild


@pytest.fixture(scope="module")
def worked_example_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str, str]:
    """One plain `triage study rebuild --data examples/study` (its exit code, --out folder, stdout
    and stderr), shared by the tests that only read what it printed and wrote: each run fits and
    draws for seconds. Runs with other options (--json, --quiet, a terminal, R) stay their own."""
    out = tmp_path_factory.mktemp("worked_example") / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["study", "rebuild", "--data", str(EXAMPLE), "--out", str(out)])
    return code, out, stdout.getvalue(), stderr.getvalue()


def test_progress_names_each_frames_figures(rebuilt) -> None:
    """ "drawing figures" was the one line for half a minute of simulations and plots."""
    _, steps = rebuilt
    drawing = [step for step in steps if step.startswith("drawing")]
    assert drawing == [
        "drawing figures for national: goodness of fit of Model 3 (40 simulated networks)",
        "drawing figures for national: Figures 2, 6, 7, attraction and goodness of fit",
        "drawing figures for zhejiang: goodness of fit of Model 3 (40 simulated networks)",
        "drawing figures for zhejiang: Figures 2, 6, 7, attraction and goodness of fit",
        "drawing Figures 3 and 5",
    ]


def test_writes_report_tables_and_figures(rebuilt) -> None:
    result, steps = rebuilt
    out = result.out
    for name in (
        "report.html",
        "table_national.csv",
        "table_national.parquet",
        "table_zhejiang.csv",
        "comparison_with_paper.csv",
        "figure2_edges_national.csv",
        "figure2_network_zhejiang.png",
        "figure6_facilities_national.png",
        "figure7_centrality_zhejiang.csv",
        "figures3_5_imbalance.png",
        "gof_degree_zhejiang.csv",
        "gof_degree_national.png",
    ):
        assert (out / name).exists(), name
    assert steps[0].startswith("generating") and steps[-1] == "done"


def test_tables_are_laid_out_like_the_paper(rebuilt) -> None:
    result, _ = rebuilt
    table = pd.read_csv(result.out / "table_zhejiang.csv", index_col=0)
    assert list(table.columns) == ["Model 1", "Model 2", "Model 3"]
    assert "nodeicov.HTH" in table.index and "edgecov.CulProx" in table.index
    cells = table.to_dict("index")
    assert pd.isna(cells["edgecov.CulProx"]["Model 1"])
    assert int(str(cells["N"]["Model 3"])) == 88
    assert int(str(cells["dyads"]["Model 3"])) == 88 * 87


def test_report_is_labelled_synthetic_and_attributed(rebuilt) -> None:
    result, _ = rebuilt
    html = result.report.read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in html
    # top and bottom, as the regional report: the hypotheses' verdicts ("supported") are near the
    # end of a long page, far below the one banner there was
    banners = [m.start() for m in re.finditer('<p class="banner">SYNTHETIC DATA', html)]
    assert len(banners) == 2 and banners[1] > html.index("H2b")
    assert "leiii/census" in html and "CC BY 4.0" in html
    assert "H1a" in html and "H2b" in html
    assert html.count("data:image/png;base64,") >= 11


def test_centrality_is_standardized_in_degree(rebuilt) -> None:
    result, _ = rebuilt
    centrality = pd.read_csv(result.out / "figure7_centrality_zhejiang.csv", dtype={"id": str})
    edges = pd.read_csv(result.out / "figure2_edges_zhejiang.csv", dtype=str)
    top = centrality.iloc[0]
    assert top["in_degree"] == (edges["target"] == top["id"]).sum()
    assert top["std_in_degree"] == pytest.approx(top["in_degree"] / 87)


def test_hypotheses_are_judged(rebuilt) -> None:
    result, _ = rebuilt
    assert [h.hypothesis for h in result.hypotheses] == ["H1a", "H1b", "H2a", "H2b"]
    comparison = pd.read_csv(result.out / "comparison_with_paper.csv")
    assert {"same_sign", "same_significance"} <= set(comparison.columns)


def test_cli_on_worked_example(worked_example_json: tuple[int, Path, str, str]) -> None:
    code, out, stdout, stderr = worked_example_json
    output = stdout + stderr  # all the run printed, as CliRunner's output had it
    assert code == 0, output
    payload = json.loads(output)
    # a version first, as summary.json of `triage report imbalance` has, so a script can tell formats apart
    assert next(iter(payload)) == "format_version"
    assert payload["format_version"] == "clinic-triage-study-rebuild/2"
    assert payload["synthetic"] is True
    assert Path(payload["report"]).exists()
    assert payload["hypotheses"] == []
    # why nothing was compared, as the text output says it: it was an empty string
    assert payload["comparison_with_paper"] == (
        "Not compared with the paper: the study data has no frames called national and zhejiang"
        " (docs/study-data-format.md)."
    )
    # the numbers the text output prints, and what of the data is generated, as its SYNTHETIC line
    # says: --json had neither, so a script had to read coefficients_*.csv and study.json itself
    assert payload["synthetic_parts"].startswith("everything - 12 fictional")
    (frame,) = payload["coefficients"]
    rows = pd.read_csv(out / f"coefficients_{frame}.csv").drop(columns="synthetic")
    assert [(r["model"], r["term"]) for r in payload["coefficients"][frame]] == list(
        zip(rows["model"], rows["term"], strict=True)
    )
    assert [r["coef"] for r in payload["coefficients"][frame]] == pytest.approx(rows["coef"].tolist())


def test_supplied_synthetic_data_is_labelled_as_its_own_not_as_the_embedded_dataset(
    worked_example_run: tuple[int, Path, str, str],
) -> None:
    # The worked example is marked synthetic by its study.json; the CLI line, the report's banner
    # and its attribution must not describe it as the embedded generator's data or the census.
    code, out, stdout, stderr = worked_example_run
    output = stdout + stderr  # all the run printed, as CliRunner's output had it
    assert code == 0, output
    assert (
        f"SYNTHETIC: {EXAMPLE / 'study.json'} marks this study data as generated: everything - 12 fictional"
        " units with made-up coordinates, attributes and flows (see the report's notice)."
    ) in output
    table = pd.read_csv(out / "table_region.csv", index_col=0)
    assert table.loc["data", "Model 1"].startswith("SYNTHETIC: everything - 12 fictional units")
    assert "*** p < 0.001, ** p < 0.01, * p < 0.05, . p < 0.1" in output  # the stars' legend
    assert "Not compared with the paper: the study data has no frames called national and zhejiang" in output
    assert "embedded" not in output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in html and "marks this study data as generated" in html
    assert "generator.py" not in html and "leiii/census" not in html
    assert f"Study data: {EXAMPLE} (given with --data)" in html


def test_a_frame_takes_the_studys_synthetic_flag_unless_it_sets_its_own(tmp_path: Path) -> None:
    # docs/study-data-format.md shows the flag at the top level only; the figures of every frame
    # must then carry the SYNTHETIC stamp as well as the report's banner.
    from analytics.study.dataset import load_study
    from analytics.study.models import NODE_ATTRIBUTES

    spec = json.loads((EXAMPLE / "study.json").read_text(encoding="utf-8"))
    del spec["frames"][0]["synthetic"]
    spec["frames"].append(dict(spec["frames"][0], key="real", synthetic=False))
    for name in ("nodes.csv", "edges.csv"):
        (tmp_path / name).write_bytes((EXAMPLE / name).read_bytes())
    (tmp_path / "study.json").write_text(json.dumps(spec), encoding="utf-8")
    study = load_study(tmp_path, NODE_ATTRIBUTES)
    assert study.synthetic is True
    assert [f.synthetic for f in study.frames] == [True, False]
    assert [f.stamp for f in study.frames] == [f"SYNTHETIC: {spec['synthetic_parts']}", ""]


def test_the_synthetic_stamp_says_what_is_generated_and_what_is_real(rebuilt, tmp_path: Path) -> None:
    """Every figure and paper-layout table of any SYNTHETIC study was stamped "SYNTHETIC flows and
    facility counts": wrong for the embedded dataset (its GDP, ENV and INT are generated too, its
    geography and census figures real) and for the worked example (all made up). The stamp now
    says what the study.json says is generated, or that it does not say. The embedded dataset is
    the one the module's rebuild generated (its ``data`` folder: generate() at the default seed),
    not generated again here."""
    from analytics.study.dataset import StudyDataError, load_study
    from analytics.study.models import NODE_ATTRIBUTES

    result, _ = rebuilt
    embedded = load_study(result.out / "data", NODE_ATTRIBUTES)
    assert {f.stamp for f in embedded.frames} == {
        "SYNTHETIC: facility counts (PCF, HTH), GDP, ENV, INT and all flows; real: 2020-census geography,"
        " population, UR, EDU and dialect regions"
    }
    example = load_study(EXAMPLE, NODE_ATTRIBUTES)
    assert example.frames[0].stamp == (
        "SYNTHETIC: everything - 12 fictional units with made-up coordinates, attributes and flows"
    )
    spec = json.loads((EXAMPLE / "study.json").read_text(encoding="utf-8"))
    for name in ("nodes.csv", "edges.csv"):
        (tmp_path / name).write_bytes((EXAMPLE / name).read_bytes())
    del spec["synthetic_parts"]
    (tmp_path / "study.json").write_text(json.dumps(spec), encoding="utf-8")
    assert load_study(tmp_path, NODE_ATTRIBUTES).frames[0].stamp == (
        'SYNTHETIC: all of this data, as its study.json marks it (no "synthetic_parts" says which parts)'
    )
    spec["frames"][0]["synthetic_parts"] = ["flows"]
    (tmp_path / "study.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(
        StudyDataError, match=r'frames\[0\]\.synthetic_parts must be a text .*, got \["flows"\]'
    ):
        load_study(tmp_path, NODE_ATTRIBUTES)


def test_cli_bad_data_exits_2_naming_the_file(tmp_path: Path) -> None:
    from triage.cli import main

    (tmp_path / "study.json").write_text(
        '{"frames": [{"key": "x", "nodes": "nodes.csv", "edges": "e.csv"}]}', encoding="utf-8"
    )
    assert main(["study", "rebuild", "--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 2


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--data", "no-such-folder"], "error: --data no-such-folder: no study.json there"),
        (  # typer's words, as for `study fit` and `report --engine`
            ["--backend", "julia"],
            'error: triage study rebuild: Invalid value for "--backend": "julia" is not one of "python", "r"',
        ),
        (  # was numpy's "ValueError: expected non-negative integer" traceback
            ["--seed", "-5"],
            'error: triage study rebuild: Invalid value for "--seed": ',  # then typer's words for >= 0
        ),
    ],
)
def test_cli_bad_option_is_the_only_line_printed(
    option: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from triage.cli import main

    assert main(["study", "rebuild", *option, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(expected) and captured.err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.r
def test_r_backend_rebuilds_with_goodness_of_fit(worked_example_r_json: tuple[int, Path, str, str]) -> None:
    # `--backend r` is documented for the rebuild; Model 3's goodness of fit simulates from R's
    # estimates on the network, so it must not need a Python fit.
    code, out, stdout, stderr = worked_example_r_json  # skipped, saying why, without R
    assert code == 0, stdout + stderr
    gof = pd.read_csv(out / "gof_degree_region.csv")
    assert len(gof) > 0 and (out / "gof_degree_region.png").exists()


def test_cli_progress_is_shown_on_stderr_when_not_a_terminal(
    worked_example_run: tuple[int, Path, str, str], worked_example_quiet: tuple[int, Path, str, str]
) -> None:
    # a rich bar draws nothing when stderr is redirected, so a logged rebuild showed no progress
    # for its whole run (14 s on the embedded dataset); it now says each step, as `triage report`
    code, _, _, err = worked_example_run
    assert code == 0
    assert "... [2/6] fitting Models 1-3 for region (12 units, 132 dyads)" in err
    assert err.rstrip().endswith("... [6/6] done")
    quiet_code, _, _, quiet_err = worked_example_quiet  # the same with --quiet
    assert quiet_code == 0
    assert quiet_err == ""


def test_cli_progress_bar_on_a_terminal_is_drawn_on_stderr_not_in_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar went to rich's default console, stdout: `triage study rebuild > run.txt` on a
    terminal showed no progress and the bar's drawing went into run.txt."""
    example = Path(__file__).resolve().parents[3] / "examples" / "study"
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    assert main(["study", "rebuild", "--data", str(example), "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    # the bar (redrawn ten times a second, so which steps it caught varies; the last is drawn)
    assert "━" in captured.err and "done" in captured.err and "[2/6]" not in captured.err
    assert "━" not in captured.out and "\x1b[" not in captured.out


def test_every_table_file_built_from_synthetic_flows_says_so(rebuilt) -> None:
    result, _ = rebuilt
    out = result.out
    for name in (
        "coefficients_national",
        "figure7_centrality_zhejiang",
        "gof_degree_national",
        "comparison_with_paper",
    ):
        for frame in (pd.read_csv(out / f"{name}.csv"), pd.read_parquet(out / f"{name}.parquet")):
            assert frame["synthetic"].eq(True).all(), name
    assert pd.read_csv(out / "figure2_edges_zhejiang.csv")["synthetic"].eq(True).all()
    paper = pd.read_csv(out / "table_national.csv", index_col=0)
    assert paper.loc["data", "Model 1"] == (
        "SYNTHETIC: facility counts (PCF, HTH), GDP, ENV, INT and all flows; real: 2020-census geography,"
        " population, UR, EDU and dialect regions; these estimates are not the paper's"
    )
    assert list(paper.columns) == ["Model 1", "Model 2", "Model 3"]  # the paper's layout is kept
    assert "synthetic" not in pd.read_csv(out / "figures3_5_imbalance.csv").columns  # official figures
    assert ",visits_or_patients,China 2021 hospital visits,hospitals,3880000000,visits," in (
        out / "figures3_5_imbalance.csv"
    ).read_text(encoding="utf-8")  # a count, not 3880000000.0


def test_the_comparison_names_its_sources_and_says_plainly_what_is_not_reproduced(rebuilt) -> None:
    """comparison_with_paper had paper_coef and rebuilt_coef with nothing saying where either came
    from, and same_sign/same_significance flags an analyst had to read row by row (same_sign was
    true for any coefficient the paper prints as 0.0000). Each row now names both sources and says
    in words whether the rebuild reproduces the published value; the report, the CLI and --json
    say in one sentence which it does not."""
    result, _ = rebuilt
    comparison = pd.read_csv(result.out / "comparison_with_paper.csv")
    assert comparison["paper_source"].str.contains("analytics/data/paper-figures.json").all()
    assert comparison.loc[comparison["frame"] == "national", "paper_source"].str.contains("Table 3").all()
    assert comparison.loc[comparison["frame"] == "zhejiang", "paper_source"].str.contains("Table 4").all()
    assert comparison["rebuilt_from"].str.contains(str(result.out / "data" / "study.json"), regex=False).all()
    assert (comparison["reproduced"] == (comparison["verdict"] == "reproduced")).all()
    missed = comparison[~comparison["reproduced"]]
    assert missed["verdict"].str.startswith("NOT reproduced: ").all()
    html = (result.out / "report.html").read_text(encoding="utf-8")
    if missed.empty:
        assert result.comparison_summary.startswith("The rebuild reproduces all")
    else:
        assert result.comparison_summary.startswith(
            f"The rebuild does NOT reproduce {len(missed)} of the {len(comparison)} published"
        )
        for row in missed.itertuples():
            assert f"{row.frame} {row.term} (" in result.comparison_summary
    assert "paper-figures.json" in html and "the paper says" in html
    assert escape(result.comparison_summary) in html


@pytest.mark.parametrize(
    ("paper", "rebuilt", "verdict"),
    [
        ({"coef": 0.0122, "p": "<0.001"}, (0.0125, 0.0007, 1e-80), "reproduced"),
        (
            {"coef": 0.0, "p": "<0.001", "note": "printed as 0.0000, significantly positive"},
            (-3e-05, 1e-05, 0.003),
            "NOT reproduced: opposite sign (paper +0.0000, rebuild -3e-05)",
        ),
        (
            {"coef": 0.0049, "p": "<0.001"},
            (0.0057, 0.0061, 0.35),
            "NOT reproduced: paper significant (p <0.001), rebuild not significant (p = 0.35)",
        ),
        (
            {"coef": 0.0503, "p": "<0.001"},
            (0.30, 0.05, 1e-9),
            "NOT reproduced: paper 0.0503 is outside the rebuild's 95% CI, 0.202 to 0.398",
        ),
        ({"coef": 0.0001, "p": ">0.05"}, (-0.00002, 0.0001, 0.84), "reproduced"),  # signs of non-effects
        # two digits had said "rebuild significant (p = 0.05)": a p value never rounds across 0.05
        (
            {"coef": 0.05, "p": ">0.05"},
            (0.1, 0.0507, 0.0496),
            "NOT reproduced: paper not significant (p >0.05), rebuild significant (p = 0.0496)",
        ),
    ],
)
def test_a_published_coefficient_is_reproduced_only_with_its_significance_sign_and_value(
    paper: dict[str, str | float], rebuilt: tuple[float, float, float], verdict: str
) -> None:
    from analytics.study.comparison import _paper_significant, _verdict

    got = _verdict(paper, _paper_significant(str(paper["p"])), *rebuilt)
    assert got[3] == verdict
    if paper["coef"] == 0.0:
        assert got[0] is False  # the sign of a printed 0.0000 is the text's, not "any sign"


def test_the_papers_aic_and_bic_are_compared_and_its_own_table_4_bic_is_read(rebuilt) -> None:
    """paper-figures.json holds Table 4's AIC and BIC, which the rebuild never showed; they now sit
    next to the rebuild's, with each side's best model. Table 4's printed BIC is lowest for Model 2,
    though the text says Model 3 has the lowest AIC and BIC: the paper_best column says so."""
    from analytics.study.comparison import paper_figures

    result, _ = rebuilt
    fit = pd.read_csv(result.out / "comparison_fit_with_paper.csv")
    printed = paper_figures()["zhejiang"]["fit"]
    zhejiang = fit[fit["frame"] == "zhejiang"].set_index("model")
    assert zhejiang.loc["Model 2", "paper_bic"] == printed["BIC"]["model2"]
    assert zhejiang.loc["Model 3", "paper_aic"] == printed["AIC"]["model3"]
    assert (zhejiang["paper_best"] == "Model 3 (its printed values: Model 3 by AIC, Model 2 by BIC)").all()
    assert zhejiang["paper_source"].str.contains("OCR-garbled").all()
    assert fit[fit["frame"] == "national"]["paper_aic"].isna().all()  # Table 3's are not in the text
    for frame in ("national", "zhejiang"):
        rows = fit[fit["frame"] == frame].set_index("model")
        best_aic = rows["rebuilt_aic"].idxmin()
        best_bic = rows["rebuilt_bic"].idxmin()
        assert (rows["rebuilt_best"] == f"{best_aic} by AIC, {best_bic} by BIC").all()
    assert fit["synthetic"].eq(True).all()
    # the embedded generator's GeoProx is 100 km / great-circle distance, and Table 4 has 5-7 parameters
    assert list(zhejiang["paper_parameters"]) == [5, 6, 7]
    assert list(zhejiang["rebuilt_parameters"]) == [8, 9, 10]
    assert zhejiang["note"].str.startswith("not like for like").all()
    assert list(zhejiang["note"].str.contains("great-circle")) == [False, True, True]
    assert fit[fit["frame"] == "national"]["note"].isna().all()  # nothing printed to compare: empty


def test_the_report_prints_numbers_as_written_and_says_what_a_cell_holds(rebuilt) -> None:
    """The report's Figures 3 and 5 table printed 3.880000e+09 visits and 7.455000e+01 percent,
    and Tables 3 and 4 had stars with no legend."""
    result, _ = rebuilt
    html = (result.out / "report.html").read_text(encoding="utf-8")
    figures = html[html.index("Figures 3 and 5: the tier imbalance") :]
    # the table, not the embedded PNG before it, whose base64 may hold "e+0" by chance
    assert "e+0" not in figures[figures.index("<table") : figures.index("</table>")]
    assert "<td>3,880,000,000</td>" in figures and "<td>74.55</td>" in figures
    assert html.count("*** p &lt; 0.001, ** p &lt; 0.01, * p &lt; 0.05, . p &lt; 0.1") == 2  # Tables 3 and 4


def test_the_report_tables_say_their_units_with_digits_a_reader_can_use(rebuilt) -> None:
    """The top-10 centrality tables printed 121.473662 and 0.658537 with no unit, the AIC and BIC
    comparison printed the paper's missing values as "None" and the rebuild's to six decimals next
    to the paper's four, and Tables 3 and 4 had a header row empty but for "term"."""
    result, _ = rebuilt
    html = (result.out / "report.html").read_text(encoding="utf-8")
    centrality = result.tables["centrality_national"].iloc[0]
    assert "<th>lon (degrees east)</th>" in html.replace("_<wbr>", "_")
    assert f"<td>{centrality['lon']:.2f}</td>" in html and f"<td>{centrality['lon']:.6f}</td>" not in html
    assert f"<td>{centrality['std_in_degree']:.3f}</td>" in html
    fit = result.tables["comparison_fit"].set_index(["frame", "model"])
    aic = fit.loc[("national", "Model 1"), "rebuilt_aic"]
    assert f"<td>{aic:.4f}</td>" in html and f"<td>{aic:.6f}</td>" not in html
    assert "<td>None</td>" not in html and "<td>not printed</td>" in html
    table3 = html[html.index("Table 3:") :]
    table3 = table3[: table3.index("</thead>")]
    assert table3.count("<tr") == 1 and "<th>term</th>" in table3  # one header row, naming the column


def test_the_hypotheses_quote_coefficients_as_the_tables_print_them(rebuilt) -> None:
    """H1a said national nodeicov.PCF = -0.00002 where Table 3 prints -1.54e-05 (and H1b 0.01252
    against 0.0125): the evidence now quotes each coefficient as its table cell does."""
    result, _ = rebuilt
    checks = {c.hypothesis: c.evidence for c in result.hypotheses}
    for hypothesis, term in (("H1a", "nodeicov.PCF"), ("H1b", "nodeicov.HTH")):
        for frame in ("national", "zhejiang"):
            cell = result.tables[f"table_{frame}"].loc[term, "Model 3"]
            printed = cell.split("*")[0].split(" ")[0].rstrip(".")
            assert f"{frame}: {term} = {printed} (p = " in checks[hypothesis]


def test_the_comparison_table_can_wrap_its_long_headers(rebuilt) -> None:
    """Unbroken headers (paper_in_rebuilt_ci95, same_significance) pushed the comparison table 360
    pixels past the page's right edge in Chromium, cutting off the verdicts; a header may now break
    after an underscore, and the verdict column keeps a readable width."""
    result, _ = rebuilt
    html = (result.out / "report.html").read_text(encoding="utf-8")
    comparison = html[html.index("<div class='verdicts'>") :]
    comparison = comparison[: comparison.index("</div>")]
    assert "<th>paper_<wbr>in_<wbr>rebuilt_<wbr>ci95</th>" in comparison
    assert ".verdicts td:last-child{min-width:" in html


def test_a_p_value_is_never_printed_on_the_other_side_of_the_level_it_is_judged_by() -> None:
    from analytics.study.comparison import ALPHA, p_text

    assert [p_text(p) for p in (0.36, 0.0496, 0.0504, 0.04999, 2.7e-80)] == [
        "0.36",
        "0.0496",
        "0.05",  # not < 0.05, as it is judged
        "0.04999",
        "2.7e-80",
    ]
    for p in (0.0496, 0.0504, 0.04999, 0.050001):
        assert (float(p_text(p)) < ALPHA) == (p < ALPHA)


def test_the_comparison_says_how_close_each_rebuilt_coefficient_is_to_the_papers(rebuilt) -> None:
    """A reproduced coefficient said "reproduced" alone: nothing said whether the rebuild is 0.1 or
    1.9 standard errors from the printed value. difference_se says it per row (rebuild minus
    paper, in the rebuild's standard errors) and the one-sentence summary gives the range."""
    result, _ = rebuilt
    comparison = pd.read_csv(result.out / "comparison_with_paper.csv")
    expected = (comparison["rebuilt_coef"] - comparison["paper_coef"]) / comparison["rebuilt_se"]
    assert (comparison["difference_se"] - expected).abs().max() < 1e-9
    close = comparison.loc[comparison["reproduced"], "difference_se"].abs()
    assert (
        f"The {len(close)} reproduced lie {close.min():.1f} to {close.max():.1f} of the rebuild's"
        " standard errors from the paper's printed values."
    ) in result.comparison_summary
    page = (result.out / "report.html").read_text(encoding="utf-8")
    first = float(comparison["difference_se"].iloc[0])
    assert f"<td>{first:+.1f}</td>" in page and f"{first:.6f}" not in page  # one decimal, as a distance


def test_figure7_is_compared_with_the_papers_centrality_in_ningbo_and_hangzhou(rebuilt) -> None:
    """paper-figures.json quotes Figure 7 (standardized in-degree above 0.068 in Ningbo and
    Hangzhou) but nothing compared the rebuilt centrality with it."""
    result, _ = rebuilt
    centrality = pd.read_csv(result.out / "figure7_centrality_zhejiang.csv", dtype={"id": str})
    best = {
        city: centrality[centrality["id"].str.startswith(prefix)].iloc[0]
        for city, prefix in (("Hangzhou", "3301"), ("Ningbo", "3302"))
    }
    expected = (
        "Figure 7 (zhejiang): the paper finds standardized in-degree above 0.068 in Ningbo and Hangzhou;"
        " the rebuild's highest there: "
        + ", ".join(
            f"{city} {row['std_in_degree']:.3f} ({row['name']} {row['id']})" for city, row in best.items()
        )
    )
    assert expected in result.comparison_summary
    assert escape(expected) in (result.out / "report.html").read_text(encoding="utf-8")


def test_figures_3_and_5_are_compared_with_the_values_the_paper_quotes(rebuilt) -> None:
    """The rebuild said how Tables 3 and 4 and Figure 7 compare with paper-figures.json, not
    Figures 3 and 5, whose quoted values come from another file (national_health_2021.csv)."""
    from analytics.study.comparison import imbalance_comparison, paper_figures

    result, _ = rebuilt
    quoted = paper_figures()["imbalance"]
    said = imbalance_comparison(pd.read_csv(result.out / "figures3_5_imbalance.csv"))
    assert said.startswith(
        "Figures 3 and 5: 7 of the 7 values the paper quotes are drawn as it prints them ("
    )
    assert (
        f"high-tier patients {quoted['china_2021']['patients_high_tier_hospitals_million']:g} million" in said
    )
    assert f"bed occupancy Zhejiang clinics {quoted['zhejiang_2021']['bed_occupancy_clinics_pct']:g}%" in said
    assert said in result.comparison_summary
    assert escape(said) in (result.out / "report.html").read_text(encoding="utf-8")
    changed = pd.read_csv(result.out / "figures3_5_imbalance.csv")
    changed.loc[changed["indicator"] == "study_bed_occupancy_high_tier", "value"] = 72.8
    assert "; NOT as printed: bed occupancy high-tier 72.8% (paper 78.2%);" in imbalance_comparison(changed)


def _help_outputs() -> list[tuple[str, str]]:
    """The files `triage study rebuild --help` says it writes, as (glob, what) from its list."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["study", "rebuild", "--help"]) == 0
    listed = stdout.getvalue().split("Writes in --out", 1)[1].split("Examples:", 1)[0]
    rows = [line.split(None, 1) for line in listed.splitlines()[1:] if line.strip()]
    return [(name, what) for name, what in rows if not name.startswith("(")]


def _expand(name: str, frames: list[str]) -> list[str]:
    stem, _, extensions = name.partition(".{")
    names = [f"{stem}.{ext}" for ext in extensions.rstrip("}").split(",")] if extensions else [name]
    return [n.replace("FRAME", frame) for n in names for frame in frames] if "FRAME" in name else names


def _written(out: Path) -> set[str]:
    return {p.name + ("/" if p.is_dir() else "") for p in out.iterdir()}


def test_help_lists_every_file_a_rebuild_writes(rebuilt, worked_example_run) -> None:
    """--help named report.html, tables and figures, not the goodness of fit, the centrality or the
    coefficient tables it writes beside them. Each listed name is written (by the worked example, or
    the embedded rebuild for the paper's comparison and data/) and nothing else is."""
    listed = _help_outputs()
    _, example_out, _, _ = worked_example_run
    example = {
        n
        for name, what in listed
        if "(1)" not in what and "(2)" not in what
        for n in _expand(name, ["region"])
    }
    assert _written(example_out) == example
    result, _ = rebuilt
    embedded = {
        n
        for name, what in listed
        if name != "written-files.json"
        for n in _expand(name, ["national", "zhejiang"])
    }
    assert _written(result.out) == embedded  # the library call records no written-files.json
