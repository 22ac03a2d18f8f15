"""Render a :class:`~models.card.ModelCard` as the human-readable ``CARD.md`` (generated, never edited)."""

from __future__ import annotations

from models.calibration_plot import LEGEND, plot_axis, plot_row, plot_top, wilson_ci95
from models.card import FIRM_OUTCOMES, ModelCard, SubgroupMetric
from referral.value_sets import KNOWN_ASCVD_MEANS

#: What each UCUM code of the inputs table means to a reader (the card keeps the codes: they are
#: the feature contract the loader checks against the vocabulary); PLAIN_UNITS read as written.
PLAIN_UNITS = ("mmol/L", "g/L")
UNIT_WORDS = {
    "a": "years",
    "{bool}": "0 = no, 1 = yes",
    "mm[Hg]": "mmHg",
    "/min": "per minute",
    "kg/m2": "kg/m²",
    "umol/L": "µmol/L",
    "{SG}": "specific gravity (a ratio, no unit)",
    "1": "dipstick grade: negative 0, trace 1, 1+ 2, 2+ 3, 3+ 4, 4+ 5",
}


#: What each ``population.exclude_if`` flag (a field of the patient record) means to a reader.
EXCLUDE_WORDS = {
    "known_ascvd": f"established atherosclerotic cardiovascular disease: {KNOWN_ASCVD_MEANS}",
    "pregnant": "currently pregnant",
    "diabetes": "diagnosed diabetes",
    "ckd": "known chronic kidney disease",
}


def _not_scored_for(card: ModelCard) -> list[str]:
    """Who the engine does not score beside the ages: the one sex it is scored for, and the patients
    whose record sets a ``population.exclude_if`` flag (CARD.md said neither)."""
    population = card.population
    lines: list[str] = []
    if population.sex is not None:
        other = "male" if population.sex == "female" else "female"
        lines += [
            f"**Scored only for {population.sex} patients:** a {other} patient, or one whose sex is not "
            "recorded, is outside the population and the model is not scored.",
            "",
        ]
    if population.exclude_if:
        flags = " or ".join(
            f"`patient.{flag}` true ({EXCLUDE_WORDS[flag]})"
            if flag in EXCLUDE_WORDS
            else f"`patient.{flag}` true"
            for flag in population.exclude_if
        )
        lines += [
            f"**Not scored for these patients:** one whose record has {flags} is outside the population "
            "(`population.exclude_if`) and the model is not scored; a flag recorded false, or not recorded, "
            "does not exclude the patient.",
            "",
        ]
    return lines


def _units_legend(card: ModelCard) -> str:
    used = dict.fromkeys(f.unit for f in card.features if f.unit not in PLAIN_UNITS)
    return (
        "Units (UCUM codes): "
        + "; ".join(f"`{u}` {UNIT_WORDS[u]}" if u in UNIT_WORDS else f"`{u}`" for u in used)
        + "."
    )


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _subgroup_auroc(g: SubgroupMetric) -> str:
    """The AUROC, and how few outcomes it rests on when they are too few for a firm estimate."""
    if not g.too_few_outcomes:
        return g.auroc_text
    few = min(g.events, g.n - g.events)
    what = "event" if few == g.events else "non-event"
    return f"{g.auroc_text} (only {few} {what}{'' if few == 1 else 's'})"  # "only 1 event", not "1 events"


def _no_sex_subgroups(card: ModelCard) -> str:
    why = (
        f"it is trained and scored on {card.population.sex} patients only"
        if card.population.sex is not None
        else "the training data do not record it"
    )
    return f"No subgroups by sex: sex is not one of this model's inputs ({why})."


def _outside(card: ModelCard) -> str:
    """After the held-out row count: the held-out rows the engine would not score, left out of every figure."""
    out = card.metrics.outside_population
    if out is None:
        return ""
    return (
        f", the held-out rows inside the population the model is scored for; {out.n} more held-out rows "
        f"({out.events} events: {out.why}) are outside it and in none of the figures below"
    )


def render_card(card: ModelCard) -> str:
    m, t, d = card.metrics, card.training, card.training.data
    # the quintiles' events are n x observed rate (the card keeps the rate to 4 decimals: exact for n <= 5000)
    cis = [wilson_ci95(round(b.n * b.observed_rate), b.n) for b in m.calibration_bins]
    top = plot_top(max(high, b.mean_predicted) for b, (_, high) in zip(m.calibration_bins, cis, strict=True))
    lines = [
        f"# {card.name} {card.version} - {card.title}",
        "",
        "<!-- generated from card.json by models.card_markdown; do not edit -->",
        "",
        f"> **{card.label.upper()}**",
        "",
        "## Intended use",
        "",
        card.intended_use,
        "",
        "Not for: " + "; ".join(card.not_for) + ".",
        "",
        f"**Outcome:** {card.outcome}",
        "",
        f"**Population:** {card.population.description}",
        "",
        *(
            [
                f"**Scored only for ages {card.population.ages[0]:g}-{card.population.ages[1]:g}:** "
                "anyone younger or older is outside the population and the model is not scored.",
                "",
            ]
            if card.population.ages is not None
            else []
        ),
        *_not_scored_for(card),
        "## Inputs (ONNX input `X`, float32, in this order)",
        "",
        "| # | name | source | unit | kind | training range | median | if missing | from |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in card.features:
        lines.append(
            f"| {f.index} | `{f.name}` | {f.source} | {f.unit} | {f.kind} | {f.range[0]:g} - {f.range[1]:g} "
            f"| {f.median:g} | {f.missing} | {f.source_column} |"
        )
    lines += [
        "",
        _units_legend(card),
        "",
        "If missing: `reject` - the model is not scored (band not_scored, naming the input); `impute_median` - "
        "scored with the training median above and listed as imputed in the explanation. How often each input "
        f"was unknown in the training data: `triage models evaluate {card.name}`.",
        "",
        "## Held-out performance",
        "",
        f"- Test rows: {m.n} ({m.events} events){_outside(card)}",
        f"- AUROC: {m.auroc:.3f} (95% CI {m.auroc_ci95[0]:.3f} - {m.auroc_ci95[1]:.3f}; {m.auroc_ci_method})"
        + ("" if m.auroc_ci_note is None else f" - {m.auroc_ci_note}"),
        f"- Brier score: {m.brier:.4f}",
        f"- Calibration slope: {m.calibration_slope:.3f}; calibration intercept: {m.calibration_intercept:.3f}",
        f"- Calibration: {card.calibration}",
        "",
        f"Calibration on the held-out split by quintile of predicted risk (finer groups: "
        f"`triage models evaluate {card.name}`):",
        "",
        "| quintile of predicted risk | n | events | mean predicted | observed | observed 95% CI |",
        "|---|---|---|---|---|---|",
        *[
            f"| {i} | {b.n} | {round(b.n * b.observed_rate)} | {_pct(b.mean_predicted)} | {_pct(b.observed_rate)} "
            f"| {_pct(low)}-{_pct(high)} |"
            for i, (b, (low, high)) in enumerate(zip(m.calibration_bins, cis, strict=True), start=1)
        ],
        "",
        f"Plot of the table ({LEGEND}):",
        "",
        "```text",
        f"quintile  {plot_axis(top)}",
        *[
            f"{i:>8}  {plot_row(b.mean_predicted, b.observed_rate, ci, top)}"
            for i, (b, ci) in enumerate(zip(m.calibration_bins, cis, strict=True), start=1)
        ],
        "```",
        "",
        f"Held-out subgroups ({m.n} rows; computed by the training code, recomputed by `triage models evaluate "
        f"{card.name}`): an AUROC on fewer than {FIRM_OUTCOMES} events or non-events is no firm estimate.",
        "",
        "| subgroup | n | events | AUROC | mean predicted | observed |",
        "|---|---|---|---|---|---|",
        *[
            f"| {label} | {g.n} | {g.events} | {_subgroup_auroc(g)} "
            f"| {_pct(g.mean_predicted)} | {_pct(g.observed_rate)} |"
            for label, g in m.subgroups.items()
        ],
        "",
        *([_no_sex_subgroups(card), ""] if "sex_male" not in card.feature_names else []),
        "## Decision thresholds",
        "",
        "The thresholds are set in the training recipe from the source column (guideline categories by analogy, or a stated convention), not fitted to these "
        f"data; sensitivity, specificity and PPV are measured on the held-out split ({m.n} rows, {m.events} "
        "events) and are the only check of them here.",
        "",
        "| band | probability at least | action | source | sensitivity | specificity | PPV |",
        "|---|---|---|---|---|---|---|",
    ]
    for th in sorted(card.thresholds, key=lambda x: x.min_probability):
        op = m.at_thresholds.get(th.band)
        stats = f"{op.sensitivity:.2f} | {op.specificity:.2f} | {op.ppv:.2f}" if op else "- | - | -"
        lines.append(f"| {th.band} | {_pct(th.min_probability)} | {th.action} | {th.source} | {stats} |")
    lines += [
        "",
        "## Training data",
        "",
        f"- Package: `{d.package}`",
        *[f"- File: `{path}` (sha256 `{digest}`)" for path, digest in d.files.items()],
        f"- Rows in source: {d.rows_in_source}; filter: `{d.filter}`; rows used: {d.rows_used}",
        f"- Table sha256 (float32 features + outcome): `{d.table_sha256}`",
        f"- Licence / provenance: {d.licence_note}",
        f"- Split: {t.split.method}, test size {t.split.test_size}, seed {t.split.seed}: "
        f"{t.split.n_train} train ({t.split.events_train} events) / {t.split.n_test} test ({t.split.events_test} events)",
        f"- Estimator: `{t.estimator}`; code: `{t.code}`",
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in t.versions.items()),
        "",
        "Log-odds per unit (original scale): "
        + ", ".join(f"`{k}` {v:+.4g}" for k, v in t.coefficients.items())
        + f"; intercept {t.intercept:+.4g}.",
        "",
        "## Limitations",
        "",
        *[f"- {item}" for item in card.limitations],
        "",
        "## Files and parity",
        "",
        f"- `model.onnx`: {card.onnx.bytes} bytes, sha256 `{card.onnx.sha256}`, opset {card.onnx.opset}",
        f"- `golden.jsonl`: {card.parity.rows} rows ({card.parity.inputs}); reference: {card.parity.reference}; "
        f"tolerance {card.parity.tolerance:g} on |p|, observed {card.parity.observed:g}",
        "",
    ]
    return "\n".join(lines)
