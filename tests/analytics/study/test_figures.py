"""The study's figures as an analyst reads them: Chinese place names drawn, not empty boxes."""

from __future__ import annotations

import json
import warnings
from itertools import pairwise
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex

from analytics.study import DEFAULT_SEED, figures
from analytics.study.dataset import Frame, load_study
from analytics.study.figures import centrality as figure7
from analytics.study.figures import png
from analytics.study.generator import NODE_TERMS


@pytest.fixture(scope="module")
def study_frames(study_folder: Path) -> list[Frame]:
    """The embedded study's frames (national, zhejiang), read once for the module's tests."""
    return list(load_study(study_folder, list(NODE_TERMS)).frames)


@pytest.fixture(scope="module")
def zhejiang(study_frames: list[Frame]) -> Frame:
    return next(f for f in study_frames if f.key == "zhejiang")


@pytest.fixture(scope="module")
def zhejiang_gof(zhejiang: Frame) -> pd.DataFrame:
    """Model 3's degree goodness of fit on zhejiang (10 simulated networks, seed 1): the two tests
    that draw it each fitted Models 1-3 and simulated their own (10 and 5 networks)."""
    from analytics.study.models import fit_frame

    return fit_frame(zhejiang).fits["Model 3"].gof(nsim=10, seed=1)


def test_figure7_names_units_in_chinese_with_a_cjk_font(zhejiang: Frame) -> None:
    if figures.cjk_font_family() is None:
        pytest.skip("no CJK font: apt-get install fonts-wqy-microhei (make test does as root)")
    centrality = figures.in_degree_centrality(zhejiang)
    fig = figures.centrality_figure(zhejiang, centrality)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    top = centrality.iloc[0]
    assert labels[-1] == f"{top['name']} {top['id']}"  # the top unit is the top bar
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for boxes
        fig.canvas.draw()
    plt.close(fig)


def test_figure7_falls_back_to_codes_without_a_cjk_font(
    zhejiang: Frame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figure7, "cjk_font_family", lambda: None)
    centrality = figures.in_degree_centrality(zhejiang)
    fig = figures.centrality_figure(zhejiang, centrality)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == str(centrality.iloc[0]["id"])
    plt.close(fig)


def test_goodness_of_fit_axes_are_whole_numbers(zhejiang_gof: pd.DataFrame) -> None:
    fig = figures.degree_gof_figure(zhejiang_gof, "gof")
    fig.canvas.draw()
    for ax in fig.axes:
        for tick in (*ax.get_xticks(), *ax.get_yticks()):
            assert float(tick).is_integer(), tick  # "12.5 units" read as a count of units
    plt.close(fig)


def test_attraction_chart_is_in_percent(zhejiang: Frame) -> None:
    fig = figures.tie_probability_figure(zhejiang)
    ax = fig.axes[0]
    assert "(%)" in ax.get_ylabel() and ax.yaxis.get_major_formatter()(0.05, 0).endswith("%")
    plt.close(fig)


def test_attraction_chart_labels_each_quintile_with_its_hth_range() -> None:
    """The bars said Q1 to Q5 alone, not how many high-tier hospitals a quintile means. The
    example's HTH, sorted: 0 2 5 | 5 6 | 8 9 | 9 10 | 12 17 20 (12 units in 3, 2, 2, 2, 3)."""
    example = Path(__file__).resolve().parents[3] / "examples" / "study"
    frame = load_study(example, list(NODE_TERMS)).frames[0]
    fig = figures.tie_probability_figure(frame)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Q1\n0-5",
        "Q2\n5-6",
        "Q3\n8-9",
        "Q4\n9-10",
        "Q5\n12-20",
    ]
    assert "high-tier hospitals" in ax.get_xlabel()
    plt.close(fig)
    hth = pd.Series([3.0, 3.0, 4.0, 4.0, 7.5])
    quintile = pd.qcut(hth.rank(method="first"), 5, labels=[f"Q{i}" for i in range(1, 6)])
    assert list(figures.hth_quintile_labels(hth, quintile).values()) == [
        "Q1\n3",
        "Q2\n3",
        "Q3\n4",
        "Q4\n4",
        "Q5\n7.5",
    ]


def test_figure3_axis_says_what_the_millions_count() -> None:
    from analytics.study.imbalance import imbalance_table

    fig = figures.imbalance_figure(imbalance_table())
    assert fig.axes[0].get_ylabel() == "visits or patients, million (log scale)"  # was "million"
    assert fig.axes[1].get_ylabel() == "bed occupancy, %"
    plt.close(fig)


def test_figure3_shows_the_studys_own_contrast_and_every_bar_says_its_value_and_status() -> None:
    """On a linear axis next to 3,880 million official visits the study's 34.86 and 3.978 million
    patients were two bars of no visible height; the colours had no legend and the status tags
    were written over the bars."""
    from analytics.study.imbalance import imbalance_table

    fig = figures.imbalance_figure(imbalance_table())
    patients, beds = fig.axes
    assert patients.get_yscale() == "log"
    values = [t.get_text() for t in patients.texts]
    assert values == ["3,880", "4,250", "34.86", "3.978"]
    assert [t.get_text() for t in beds.texts][:3] == ["74.55%", "78.2%", "52.1%"]
    ticks = [t.get_text() for t in patients.get_xticklabels()]
    assert ticks[0] == "China 2021 hospital visits\n(official)"
    assert ticks[2] == "study: high-tier patients\n(quoted, unverified)"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        "hospitals (all levels)",
        "hospitals (high tier)",
        "primary care",
        "all tiers (average)",
    ]
    # Zhejiang's provincial average (76.3%, every tier) was a red, high-tier bar
    average = [t.get_text() for t in beds.get_xticklabels()].index(
        "study: Zhejiang average\n(quoted, unverified)"
    )
    assert to_hex(beds.patches[average].get_facecolor()) == figures.TIER_COLOURS["all"]
    plt.close(fig)


def test_figure3_draws_dots_not_bars_on_its_log_axis() -> None:
    """A bar on a log axis stands on wherever the axis starts, not on zero: the study's 3.978
    million primary-care patients read as a quarter of its 34.86 million high-tier ones, not a
    ninth. Figure 3 draws a dot at each value, labelled, the tick labels whole numbers."""
    from analytics.study.imbalance import imbalance_table

    fig = figures.imbalance_figure(imbalance_table())
    patients = fig.axes[0]
    assert len(patients.patches) == 0 and patients.get_yscale() == "log"
    dots = patients.collections[0].get_offsets()[:, 1].tolist()
    assert dots == pytest.approx([3880, 4250, 34.86, 3.978])
    fig.canvas.draw()
    ticks = [t.get_text() for t in patients.get_yticklabels() if t.get_text()]
    assert ticks and all(t.replace(",", "").isdigit() for t in ticks), ticks
    plt.close(fig)


def test_the_legend_says_what_each_bar_of_figures_3_and_5_is() -> None:
    """The official 'China 2021 hospitals' bed occupancy (and hospital visits) count every hospital,
    of all levels (the statistics' 医院), yet were drawn in the colour the legend calls "hospitals
    (high tier)", as the study's own high-tier figure is."""
    from analytics.study.imbalance import imbalance_table

    fig = figures.imbalance_figure(imbalance_table())
    legend = fig.legends[0]
    word_of = {
        to_hex(handle.get_facecolor()): text.get_text()
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True)
    }
    assert len(word_of) == len(legend.get_texts()), "a colour for each word"
    patients, beds = fig.axes
    colours = {
        patients: [to_hex(c) for c in patients.collections[0].get_facecolors()],  # Figure 3's dots
        beds: [to_hex(bar.get_facecolor()) for bar in beds.patches],
    }
    said = {
        tick.get_text().split("\n")[0]: word_of[colour]
        for ax in (patients, beds)
        for tick, colour in zip(ax.get_xticklabels(), colours[ax], strict=True)
    }
    assert said == {
        "China 2021 hospital visits": "hospitals (all levels)",
        "China 2021 primary-care visits": "primary care",
        "study: high-tier patients": "hospitals (high tier)",
        "study: primary-care patients": "primary care",
        "China 2021 hospitals": "hospitals (all levels)",
        "study: high-tier": "hospitals (high tier)",
        "study: primary care": "primary care",
        "study: Zhejiang average": "all tiers (average)",
        "study: Zhejiang CHSC": "primary care",
        "study: Zhejiang clinics": "primary care",
    }
    plt.close(fig)


def test_every_quoted_figure_names_the_papers_section() -> None:
    """The quoted bars' source said "quoted in the study (brief)", a word from the project's own
    notes; each now names the paper's section and file."""
    from analytics.study.imbalance import imbalance_table

    table = imbalance_table()
    quoted = table[table["status"] == "quoted_by_study_unverified"]
    assert len(quoted) == 7 and not table["source"].str.contains("brief").any()
    assert (
        quoted["source"]
        .str.contains(r"paper's text, section 4\.[13] on its Figure [35] \(shared/seed/paper\.txt\)")
        .all()
    )


def test_every_figure_file_says_its_source_under_everything_it_draws(
    zhejiang: Frame,
    zhejiang_gof: pd.DataFrame,
    study_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The figures had titles, units and a SYNTHETIC stamp but no source: a PNG passed on alone
    did not say which data it was drawn from. Each now has a line under its axes and tick labels:
    the study's title and study.json, the generator and seed, the attribution file; Figures 3
    and 5 name the publications of their official bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from analytics import plotnotes
    from analytics.study.imbalance import imbalance_table

    drawn: dict[str, tuple[str, bool]] = {}
    real = plotnotes.add_source_line

    def spy(fig: plt.Figure, source: str) -> None:
        real(fig, source)
        renderer = FigureCanvasAgg(fig).get_renderer()
        footer = fig.texts[-1]
        below = all(footer.get_window_extent(renderer).y1 <= ax.get_tightbbox(renderer).y0 for ax in fig.axes)
        drawn[footer.get_text().replace("\n", " ")] = (source, below)

    monkeypatch.setattr(png, "add_source_line", spy)
    assert zhejiang.source == (
        f"Source: {json.loads((study_folder / 'study.json').read_text(encoding='utf-8'))['title']}"
        f" ({study_folder / 'study.json'}; generated by analytics/study/generator.py, seed {DEFAULT_SEED};"
        f" attribution in {study_folder / 'ATTRIBUTION.txt'})"
    )
    centrality = figures.in_degree_centrality(zhejiang)
    paths = [
        figures.network_map(zhejiang, tmp_path / "f2.png"),
        figures.facility_maps(zhejiang, tmp_path / "f6.png"),
        figures.centrality_chart(zhejiang, centrality, tmp_path / "f7.png"),
        figures.tie_probability_by_hth(zhejiang, tmp_path / "a.png"),
        figures.degree_gof_chart(
            zhejiang_gof, "gof", tmp_path / "g.png", source=zhejiang.source, stamp=zhejiang.stamp
        ),
    ]
    assert all(p.exists() for p in paths)
    assert drawn == {zhejiang.source: (zhejiang.source, True)}  # all five, one source
    drawn.clear()
    table = imbalance_table()
    figures.imbalance_chart(table, tmp_path / "f35.png")
    [(text, (source, below))] = drawn.items()
    assert below and text == source == (
        "Source: official 2021 figures (People's Daily 2022-07-13 report on the 2021 bulletin; NATCM 2021"
        " statistical digest table B05) and figures quoted by the study (unverified); each bar's source in"
        " figures3_5_imbalance.csv and analytics/data/SOURCES.md"
    )


def test_each_bar_of_figures3_5_names_its_own_source() -> None:
    """figures3_5_imbalance.csv gave the official visits as from "same report (38.8亿人次, 45.8%)":
    'same' as a row of analytics/data/national_health_2021.csv that the table does not hold (and
    "same as above", "huaon page above" in that file). Every row now names its publication."""
    import pandas as pd

    from analytics.study.generator import DATA_DIR
    from analytics.study.imbalance import imbalance_table

    for sources in (
        imbalance_table()["source"],
        pd.read_csv(DATA_DIR / "national_health_2021.csv")["source"],
    ):
        assert not [s for s in sources if s.startswith(("same ", "huaon page above"))]
    official = imbalance_table().set_index("indicator")
    assert official.loc["visits_hospitals", "source"] == (
        "People's Daily 2022-07-13 report on the 2021 bulletin, seen via a mirror page (38.8亿人次, 45.8%)"
    )


def test_maps_of_a_small_frame_are_legible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the worked example Figure 6's longitude labels ran together ("119.50119.75120.00"), its
    colour bars said "PCF" with no unit, and Figure 2 drew its 29 ties at 6% opacity (invisible).
    The attraction chart was titled with the frame's key ("region"), the others with its title."""
    example = Path(__file__).resolve().parents[3] / "examples" / "study"
    frame = load_study(example, list(NODE_TERMS)).frames[0]
    drawn: list[plt.Figure] = []
    overlaps: list[list[str]] = []
    real_save = png.save

    def keep(fig: plt.Figure, path: Path, source: str, stamp: str = "") -> Path:
        fig.canvas.draw()
        for ax in fig.axes:
            if ax.get_xlabel() != figures.LON_LABEL:  # "longitude" matched no axis: nothing was checked
                continue
            low, high = ax.get_xlim()
            shown = [
                t for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if low <= x <= high
            ]
            boxes = [t.get_window_extent() for t in shown]
            # at least 5 pixels between labels: 1.4 had read as one number (119.50119.75)
            if len(boxes) < 2 or any(b.x0 - a.x1 < 5 for a, b in pairwise(boxes)):
                overlaps.append([t.get_text() for t in shown])
        drawn.append(fig)
        return real_save(fig, path, source, stamp)

    monkeypatch.setattr(png, "save", keep)
    figures.facility_maps(frame, tmp_path / "f6.png")
    figures.network_map(frame, tmp_path / "f2.png")
    figures.tie_probability_by_hth(frame, tmp_path / "a.png")
    f6, f2, attraction = drawn
    assert overlaps == []
    assert [cb.get_ylabel() for cb in f6.axes[2:]] == [
        "PCF, primary care facilities per unit",
        "HTH, high-tier hospitals per unit",
    ]
    # the ties are one collection of segments (a Line2D per tie took seconds on the national frame)
    (ties,) = [c for c in f2.axes[0].collections if isinstance(c, LineCollection)]
    assert len(ties.get_segments()) == len(frame.edges) and float(ties.get_alpha() or 1) >= 0.3
    lonlat = frame.nodes.set_index("id")[["lon", "lat"]]
    assert [segment.tolist() for segment in ties.get_segments()] == [
        [lonlat.loc[source].tolist(), lonlat.loc[target].tolist()]
        for source, target in zip(frame.edges["source"], frame.edges["target"], strict=True)
    ]
    assert attraction.axes[0].get_title().endswith(frame.title)


def test_figures_3_and_5_print_each_value_as_the_table_under_them_does() -> None:
    """One decimal had drawn the official 74.55% bed occupancy as 74.5% (and the study's 3.978
    million patients as 3.98) over a table that says 74.55: each bar now says its source's digits."""
    from analytics.study.imbalance import imbalance_table

    table = imbalance_table()
    fig = figures.imbalance_figure(table)
    patients, beds = fig.axes
    occupancy = table[table["measure"] == "bed_occupancy"]["value"]
    assert [float(t.get_text().removesuffix("%")) for t in beds.texts] == occupancy.tolist()
    visits = table[table["measure"] == "visits_or_patients"]["value"] / 1e6
    assert [float(t.get_text().replace(",", "")) for t in patients.texts] == visits.tolist()
    plt.close(fig)


def test_maps_give_longitude_and_latitude_their_units(zhejiang: Frame) -> None:
    """Figures 2, 6 and 7 said "longitude" and "latitude" with no unit, where the regional report's
    network map says degrees east and north."""
    maps = [
        figures.network_figure(zhejiang).axes,
        figures.facility_figure(zhejiang).axes[:2],  # the two maps, not their colour bars
        figures.centrality_figure(zhejiang, figures.in_degree_centrality(zhejiang)).axes[1:2],
    ]
    for axes in maps:
        for ax in axes:
            assert (ax.get_xlabel(), ax.get_ylabel()) == (
                "longitude (degrees east)",
                "latitude (degrees north)",
            )
    plt.close("all")


def test_figure7_promises_no_more_units_than_the_frame_has(zhejiang: Frame) -> None:
    """The 12-unit worked example's Figure 7 said "top 20 receiving units" over 12 bars."""
    centrality = figures.in_degree_centrality(zhejiang)
    assert figures.centrality_figure(zhejiang, centrality).axes[0].get_title() == "top 20 receiving units"
    small = figures.centrality_figure(zhejiang, centrality.head(12))
    assert small.axes[0].get_title() == "all 12 units"
    assert len(small.axes[0].patches) == 12
    plt.close("all")


def _gof_table(top: int) -> pd.DataFrame:
    """A goodness-of-fit table over degrees 0..top: a body of low degrees, one hub at ``top``.
    Built column-wise: a dict per degree took a third of the 1,000,000-degree case's time."""
    degree = np.tile(np.arange(top + 1), 2)
    body = degree < 10
    return pd.DataFrame(
        {
            "statistic": np.repeat(["indegree", "outdegree"], top + 1),
            "degree": degree,
            "observed": np.where(body, 5, degree == top),
            "sim_mean": np.where(body, 5.0, 0.0),
            "sim_low": np.where(body, 2.0, 0.0),
            "sim_high": np.where(body, 8.0, 0.0),
            "p_value": 1.0,
        }
    )


@pytest.mark.parametrize("top", [3, 21, 193, 2843, 40_000, 1_000_000])
def test_goodness_of_fit_degree_ticks_are_readable_at_any_count(top: int) -> None:
    """The national in-degree axis runs to 193 (a hub city); a county-level frame of China to
    2,843. Tick labels must stay apart (at least 5 pixels) however long the degree axis is, and
    each must read as a whole degree (not "0.15" over a "1e6" offset)."""
    fig = figures.degree_gof_figure(_gof_table(top), "gof")
    fig.canvas.draw()
    for ax in fig.axes:
        low, high = ax.get_xlim()
        shown = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if low <= x <= high]
        boxes = [t.get_window_extent() for t in shown]
        assert len(boxes) >= 2, [t.get_text() for t in shown]
        assert all(b.x0 - a.x1 >= 5 for a, b in pairwise(boxes)), [t.get_text() for t in shown]
        assert all(t.get_text().replace(",", "").isdigit() for t in shown), [t.get_text() for t in shown]
        assert ax.xaxis.get_offset_text().get_text() == ""
    plt.close(fig)


def test_goodness_of_fit_draws_a_flat_tail_as_one_segment_at_the_same_values() -> None:
    """A 1,000,000-degree table handed Agg a million vertices per panel for a band and a line
    flat at 0 beyond the body (14 s of the test above). Only the ends of a flat run are drawn; the
    line still passes through every degree's simulated mean and reaches the last degree."""
    table = _gof_table(40_000)
    fig = figures.degree_gof_figure(table, "gof")
    for ax, kind in zip(fig.axes, ("indegree", "outdegree"), strict=True):
        part = table[table["statistic"] == kind]
        line = next(line for line in ax.get_lines() if line.get_label() == "simulated mean")
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        assert len(x) <= 20 and x[0] == 0 and x[-1] == 40_000
        assert np.array_equal(np.interp(part["degree"], x, y), part["sim_mean"])
        (band,) = ax.collections
        assert len(band.get_paths()[0].vertices) <= 50
    plt.close(fig)


def test_goodness_of_fit_marks_only_degrees_where_something_is_observed_or_simulated() -> None:
    """The national in-degree panel drew a red dot for each of ~170 degrees between the body and
    the hub where nothing was observed and nothing simulated: a thick red bar along the axis that
    hid the few hubs. Those degrees get no marker; the axis still reaches the hub."""
    table = _gof_table(193)
    fig = figures.degree_gof_figure(table, "gof")
    for ax in fig.axes:
        observed = next(line for line in ax.get_lines() if line.get_label() == "observed")
        assert sorted(observed.get_xdata()) == [*range(10), 193]
        assert ax.get_xlim()[1] >= 193
        assert ax.get_xlabel().startswith(
            ("in-degree (ties a unit receives)", "out-degree (ties a unit sends)")
        )
    plt.close(fig)


@pytest.mark.parametrize("top", [193, 2843])
def test_goodness_of_fit_body_is_readable_beside_a_far_hub(top: int) -> None:
    """The national in-degree panel (body 0-13, a hub at 193) drew its body, where model and data
    are compared, in about a twentieth of the panel's width: the degree axis is linear up to the
    degree that holds 90% of the units (rounded up to 10, 20, 50, ...) and logarithmic above it,
    each half the panel, and its label says so."""
    fig = figures.degree_gof_figure(_gof_table(top), "gof")
    fig.canvas.draw()
    for ax in fig.axes:
        left, right = ax.get_window_extent().x0, ax.get_window_extent().x1
        body_end = ax.transData.transform((9, 0))[0]  # _gof_table's body: degrees 0-9
        assert (body_end - left) / (right - left) >= 0.4
        assert ax.get_xlabel().endswith(", log scale above 10")
        assert ax.transData.transform((top, 0))[0] <= right
    plt.close(fig)


def test_goodness_of_fit_axis_stays_linear_without_a_far_hub() -> None:
    fig = figures.degree_gof_figure(_gof_table(21), "gof")
    assert [ax.get_xscale() for ax in fig.axes] == ["linear", "linear"]
    assert fig.axes[0].get_xlabel() == "in-degree (ties a unit receives)"
    plt.close(fig)


def test_figure6_colours_a_skewed_count_on_a_log_scale(study_frames: list[Frame]) -> None:
    """The national HTH (2 to 364 high-tier hospitals, median 30.5) on a linear colour scale put
    the median unit at 8% of the bar: nine units in ten one dark purple. A count whose median sits
    in the bottom tenth is coloured on a log scale, and its colour bar says so; PCF stays linear."""
    national = study_frames[0]
    fig = figures.facility_figure(national)
    pcf, hth = (ax.collections[0] for ax in fig.axes[:2])
    labels = [ax.get_ylabel() for ax in fig.axes[2:]]
    assert labels == [
        "PCF, primary care facilities per unit",
        "HTH, high-tier hospitals per unit (log scale)",
    ]
    median = float(national.nodes["HTH"].median())
    assert hth.norm(median) >= 0.25
    assert type(pcf.norm).__name__ == "Normalize"
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[3].get_yticklabels() if t.get_text()]
    assert ticks and all(t.replace(",", "").isdigit() for t in ticks), ticks  # 10, 100: not 10^1
    plt.close(fig)


def test_figure7_colours_from_no_tie_and_spreads_a_skewed_frame(study_frames: list[Frame]) -> None:
    """Figure 7's colour scale ran from the smallest centrality to the largest, linearly: the least
    central Zhejiang unit (0.034) took the colour of no tie at all, and the national frame (median
    0.017, Shanghai 0.66) put the median unit at 3% of the bar, nine units in ten one pale colour.
    It now runs from 0, as the bars beside it do, and a skewed frame is logarithmic above one tie."""
    national, zhejiang = study_frames
    for frame in (national, zhejiang):
        centrality = figures.in_degree_centrality(frame)
        values = centrality["std_in_degree"]
        fig = figures.centrality_figure(frame, centrality)
        norm = fig.axes[1].collections[0].norm
        assert (norm.vmin, norm.vmax) == (0.0, pytest.approx(float(values.max())))
        assert float(norm(0.0)) == 0.0 and float(norm(float(values.max()))) == pytest.approx(1.0)
        # a unit with no tie received is cream: its grey rim shows it on the white map
        assert {to_hex(c) for c in fig.axes[1].collections[0].get_edgecolor()} == {figures.MARKER_RIM}
        fig.canvas.draw()
        label = fig.axes[2].get_ylabel()
        if frame is national:
            assert float(norm(float(values.median()))) >= 0.25
            one_tie = 1 / (len(centrality) - 1)
            assert label == f"standardized in-degree (log scale above {one_tie:.2g}, one tie)"
            ticks = [t.get_text() for t in fig.axes[2].get_yticklabels() if t.get_text()]
            assert ticks[0] == "0" and "0.1" in ticks and all("^" not in t for t in ticks), ticks
        else:  # not skewed: linear, and the least central unit is not coloured as none
            assert type(norm).__name__ == "Normalize" and label == "standardized in-degree"
            assert float(norm(float(values.min()))) > 0.1
        plt.close(fig)


def test_figure6_linear_colour_bar_starts_at_no_facility(study_frames: list[Frame]) -> None:
    """Figure 6's linear colour bar ran from the smallest count: the national PCF bar started at
    193 facilities, so the least-equipped unit took the colour of none (Figure 7 had the same fault).
    A linear bar now starts at 0; a log-scaled one (the national HTH) still starts at its smallest."""
    national, zhejiang = study_frames
    for frame in (national, zhejiang):
        fig = figures.facility_figure(frame)
        for ax, bar, column in zip(fig.axes[:2], fig.axes[2:], ("PCF", "HTH"), strict=True):
            norm = ax.collections[0].norm
            values = frame.nodes[column].astype(float)
            if "(log scale)" in bar.get_ylabel():
                assert float(values.min()) > 0 and norm.vmin == pytest.approx(float(values.min()))
                continue
            assert type(norm).__name__ == "Normalize", (frame.key, column)
            assert (norm.vmin, norm.vmax) == (0.0, pytest.approx(float(values.max()))), (frame.key, column)
            assert bar.get_ylim()[0] == 0.0, (frame.key, column)
            if float(values.min()) > 0:  # the least-equipped unit is not coloured as none
                assert float(norm(float(values.min()))) > 0.0, (frame.key, column)
        plt.close(fig)
