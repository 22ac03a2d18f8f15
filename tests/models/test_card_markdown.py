"""CARD.md, the page a reviewer reads: calibration as a table, and where the operating points of
the thresholds come from (the held-out split, thresholds fixed in the recipe, not tuned on it)."""

from __future__ import annotations

import pytest

import models
from models.card_markdown import render_card
from tests.models.conftest import SHIPPED
from triage.riskmodels import read_card


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_calibration_is_a_table_of_the_held_out_quintiles(name: str, version: str) -> None:
    """It was one sentence ('predicted 0.3% vs observed 0.4% (n=250); ...'), no events, no table."""
    card = read_card(models.MODELS_DIR / name / version, name, version)
    lines = render_card(card).splitlines()
    start = lines.index(
        "| quintile of predicted risk | n | events | mean predicted | observed | observed 95% CI |"
    )
    rows = lines[start + 2 : start + 2 + len(card.metrics.calibration_bins)]
    for i, (row, b) in enumerate(zip(rows, card.metrics.calibration_bins, strict=True), start=1):
        events = round(b.n * b.observed_rate)
        assert row.startswith(
            f"| {i} | {b.n} | {events} | {b.mean_predicted * 100:.1f}% | {b.observed_rate * 100:.1f}% |"
        )
    assert sum(round(b.n * b.observed_rate) for b in card.metrics.calibration_bins) == card.metrics.events
    assert "`triage models evaluate " + name + "`" in lines[start - 2]


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_threshold_table_says_where_its_operating_points_come_from(name: str, version: str) -> None:
    card = read_card(models.MODELS_DIR / name / version, name, version)
    text = render_card(card)
    m = card.metrics
    assert (
        "The thresholds are set in the training recipe from the source column (guideline categories by "
        "analogy, or a stated convention), not fitted to these data; sensitivity, specificity and PPV are measured on the held-out split "
        f"({m.n} rows, {m.events} events)"
    ) in " ".join(text.split())
    assert (models.MODELS_DIR / name / version / "CARD.md").read_text(encoding="utf-8") == text


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_inputs_table_says_what_each_missing_policy_does(name: str, version: str) -> None:
    """'if missing: reject / impute_median' were bare policy names: the page did not say that a
    rejected input leaves the model unscored, nor where to see how often inputs were unknown."""
    card = read_card(models.MODELS_DIR / name / version, name, version)
    text = " ".join(render_card(card).split())
    assert (
        "If missing: `reject` - the model is not scored (band not_scored, naming the input); "
        "`impute_median` - scored with the training median above and listed as imputed in the explanation. "
        f"How often each input was unknown in the training data: `triage models evaluate {name}`."
    ) in text


def _subgroup_rows(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    start = lines.index("| subgroup | n | events | AUROC | mean predicted | observed |")
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_a_subgroup_auroc_on_too_few_outcomes_is_marked_as_no_firm_estimate(name: str, version: str) -> None:
    """The subgroup table gave every AUROC alike: diabetes 'age>=50 | 11 | 8 | 0.667' rests on 3
    women without diabetes, stroke10 'age<50 | 638 | 6 | 0.759' on 6 strokes; the page said neither
    what the rows are nor that such an AUROC is no estimate to sign off on."""
    card = read_card(models.MODELS_DIR / name / version, name, version)
    text = render_card(card)
    rows = _subgroup_rows(text)
    assert list(rows) == list(card.metrics.subgroups)
    for label, g in card.metrics.subgroups.items():
        few = min(g.events, g.n - g.events)
        what = "event" if g.events == few else "non-event"
        expected = f"{g.auroc_text} (only {few} {what}{'' if few == 1 else 's'})"
        assert rows[label][2] == (expected if g.too_few_outcomes else g.auroc_text), label
    flat = " ".join(text.split())
    assert (
        f"Held-out subgroups ({card.metrics.n} rows; computed by the training code, recomputed by `triage models "
        f"evaluate {name}`): an AUROC on fewer than 10 events or non-events is no firm estimate." in flat
    )
    if "sex_male" not in card.feature_names:  # diabetes: women only; ckd: the UCI data record no sex
        assert "No subgroups by sex: sex is not one of this model's inputs" in flat
    assert (models.MODELS_DIR / name / version / "CARD.md").read_text(encoding="utf-8") == text


def test_the_diabetes_and_stroke_subgroups_named_in_the_test_are_the_few_ones() -> None:
    diabetes = read_card(models.MODELS_DIR / "diabetes" / "1.0.0", "diabetes", "1.0.0")
    stroke = read_card(models.MODELS_DIR / "stroke10" / "1.0.0", "stroke10", "1.0.0")
    assert _subgroup_rows(render_card(diabetes))["age>=50"][:3] == ["11", "8", "0.667 (only 3 non-events)"]
    assert _subgroup_rows(render_card(stroke))["age<50"][:3] == ["638", "6", "0.759 (only 6 events)"]
    # one is one: ckd 1.1.0's held-out adults under 40 hold 1 case ("only 1 events" before)
    ckd = read_card(models.MODELS_DIR / "ckd" / "1.1.0", "ckd", "1.1.0")
    assert _subgroup_rows(render_card(ckd))["age<40"][:3] == ["16", "1", "1.000 (only 1 event)"]


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_calibration_table_gives_each_quintiles_interval_and_a_plot(name: str, version: str) -> None:
    """CARD.md's calibration was a table of five rates with no interval and no plot: the plot was
    only in `triage models evaluate`, which needs the training extra and the data wheels a clinic
    PC does not have. Now each quintile's observed rate has its Wilson 95% interval (as evaluate
    gives it) and a text plot under the table, on the scale evaluate uses."""
    from models.calibration_plot import plot_row, plot_top, wilson_ci95

    card = read_card(models.MODELS_DIR / name / version, name, version)
    lines = render_card(card).splitlines()
    start = lines.index(
        "| quintile of predicted risk | n | events | mean predicted | observed | observed 95% CI |"
    )
    bins = card.metrics.calibration_bins
    cis = [wilson_ci95(round(b.n * b.observed_rate), b.n) for b in bins]
    for i, (low, high) in enumerate(cis, start=1):
        assert lines[start + 1 + i].endswith(f" | {low * 100:.1f}%-{high * 100:.1f}% |")
    top = plot_top(max(high, b.mean_predicted) for b, (_, high) in zip(bins, cis, strict=True))
    plot = lines.index("```text", start) + 1
    assert lines[plot].startswith("quintile  0%") and lines[plot].endswith(f"{top:.0%}")
    for i, (b, ci) in enumerate(zip(bins, cis, strict=True), start=1):
        assert lines[plot + i] == f"{i:>8}  {plot_row(b.mean_predicted, b.observed_rate, ci, top)}"
    assert lines[plot + len(bins) + 1] == "```"
    assert (models.MODELS_DIR / name / version / "CARD.md").read_text(encoding="utf-8") == render_card(card)


def test_the_cvd10_plot_shows_its_top_quintile() -> None:
    card = read_card(models.MODELS_DIR / "cvd10" / "1.0.0", "cvd10", "1.0.0")
    text = render_card(card)
    assert "| 5 | 250 | 56 | 22.9% | 22.4% | 17.7%-28.0% |" in text


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_inputs_table_says_what_its_ucum_units_mean(name: str, version: str) -> None:
    """The inputs table gave the contract's UCUM codes bare: age in 'a', flags in '{bool}', the
    dipstick grade in '1', specific gravity in '{SG}' - codes a clinician reviewing the card does
    not read as years, 0/1, an ordinal grade or a unitless ratio."""
    from models.card_markdown import PLAIN_UNITS, UNIT_WORDS

    card = read_card(models.MODELS_DIR / name / version, name, version)
    lines = render_card(card).splitlines()
    legend = next(line for line in lines if line.startswith("Units (UCUM codes): "))
    used = [u for u in dict.fromkeys(f.unit for f in card.features) if u not in PLAIN_UNITS]
    assert set(used) <= set(UNIT_WORDS)  # every other code of the card is explained
    assert legend == "Units (UCUM codes): " + "; ".join(f"`{u}` {UNIT_WORDS[u]}" for u in used) + "."
    if name == "ckd":
        assert "`a` years" in legend and "`{bool}` 0 = no, 1 = yes" in legend
        assert "`1` dipstick grade: negative 0, trace 1, 1+ 2, 2+ 3, 3+ 4, 4+ 5" in legend
