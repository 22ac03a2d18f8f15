"""`triage models evaluate` output: the card's held-out metrics against the re-run ones, a
calibration table with a text plot, and how often each input was unknown (JSON and text)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from models.calibration_plot import LEGEND, plot_axis, plot_row, plot_top
from models.card import TEACHING_LABEL

if TYPE_CHECKING:
    from models.training.evaluate import Evaluation


def evaluation_json(e: Evaluation, onnx_sha256: str) -> dict[str, Any]:
    card = e.card
    return {
        "name": card.name,
        "version": card.version,
        "onnx_sha256": onnx_sha256,
        "model_onnx_sha256": onnx_sha256,  # deprecated: onnx_sha256, as in the other commands
        "training_data": card.training.data.package,
        "table_sha256": card.training.data.table_sha256,
        "held_out": {"n": e.recomputed.n, "events": e.recomputed.events},
        "reproduced": e.reproduced,
        "comparison": [
            {"item": c.item, "card": c.card, "recomputed": c.recomputed, "same": c.same}
            for c in e.comparisons
        ],
        "calibration": e.calibration,
        "unknown_inputs": e.unknown,
        "left_out": e.left_out,
        "imputed_rows": e.imputed_rows,
        "label": TEACHING_LABEL,
    }


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _value(item: str, value: Any) -> str:
    if value is None:
        return "(absent)"
    if item == "calibration_bins":
        return f"{len(value)} quantile groups"
    if isinstance(value, dict):
        return " ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return "-".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _held_out_rows(e: Evaluation) -> str:
    """The held-out split's rows, and those outside the model's population the figures leave out."""
    m, out = e.recomputed, e.recomputed.outside_population
    if out is None:
        return f"{m.n} rows ({m.events} events)"
    return (
        f"{m.n + out.n} rows, {m.n} of them inside the model's population ({m.events} events) - the rows every "
        f"figure below is computed on; {out.n} ({out.events} events: {out.why}) are outside it"
    )


def evaluation_text(e: Evaluation, onnx_sha256: str) -> list[str]:
    card = e.card
    split = card.training.split
    lines = [
        f"Held-out evaluation of {card.name} {card.version}, re-run through the shipped model.onnx "
        f"(sha256 {onnx_sha256[:16]}...)  ({TEACHING_LABEL})",
        f"Data: {card.training.data.package}, feature table sha256 {card.training.data.table_sha256[:16]}... as in "
        f"the card; held-out split: {_held_out_rows(e)}, {split.method}, test size {split.test_size}, "
        f"seed {split.seed}",
        "",
        "Each held-out metric of the card, re-computed (same: the card's value; DIFFERS: both are shown):",
    ]
    width = max([22] + [len(c.item) + 1 for c in e.comparisons])  # a long subgroup name keeps its space
    for c in e.comparisons:
        shown = (
            _value(c.item, c.card)
            if c.same
            else f"card {_value(c.item, c.card)}; re-computed {_value(c.item, c.recomputed)}"
        )
        lines.append(f"{'same' if c.same else 'DIFFERS':<8}{c.item:<{width}}{shown}")
    top = plot_top(max(r["observed_ci95"][1], r["mean_predicted"]) for r in e.calibration)
    lines += [
        "",
        f"Calibration on the held-out split ({len(e.calibration)} groups of predicted risk). Plot: {LEGEND}.",
        f"{'group':>5} {'n':>5} {'events':>6} {'predicted':>9}  {'observed (95% CI)':<22} " + plot_axis(top),
    ]
    for i, r in enumerate(e.calibration, start=1):
        low, high = r["observed_ci95"]
        observed = f"{_pct(r['observed_rate'])} ({_pct(low)}-{_pct(high)})"
        lines.append(
            f"{i:>5} {r['n']:>5} {r['events']:>6} {_pct(r['mean_predicted']):>9}  {observed:<22} {plot_row(r['mean_predicted'], r['observed_rate'], r['observed_ci95'], top)}"
        )
    lines += [
        "",
        "Inputs when unknown (the card's policy) and how often they were unknown in the loaded table and "
        "the splits (reject: rows without the value were left out before the split):",
        f"{'feature':<22}{'if missing':<15}{'median':>10}  {'unknown (table)':>16}  {'unknown (train)':>16}  "
        f"{'unknown (held-out)':>18}",
    ]
    rows_loaded = e.left_out["rows_loaded"]
    for u in e.unknown:
        lines.append(
            f"{u['feature']:<22}{u['missing']:<15}{u['median']:>10g}  {u['unknown_loaded']:>8} of {rows_loaded:<5}  "
            f"{u['unknown_train']:>8} of {split.n_train:<5}  {u['unknown_test']:>8} of {split.n_test:<7}"
        )
    lines.append(
        f"Rows left out because a reject input was unknown: {e.left_out['rows_left_out']} of {rows_loaded} "
        f"({e.left_out['events_left_out']} of them events)"
    )
    if e.left_out["rows_outside_population"]:
        lines.append(
            f"Rows left out before the split as outside the population it was trained for: "
            f"{e.left_out['rows_outside_population']} ({e.left_out['events_outside_population']} of them events)"
        )
    imputed = e.imputed_rows
    if imputed["n"]:
        auroc = "-" if imputed["auroc"] is None else f"{imputed['auroc']:.3f}"
        lines.append(
            f"Held-out rows scored with at least one imputed input: {imputed['n']} ({imputed['events']} events): "
            f"mean predicted {_pct(imputed['mean_predicted'])}, observed {_pct(imputed['observed_rate'])}, AUROC {auroc}"
        )
    else:
        lines.append("Held-out rows scored with at least one imputed input: none")
    return [line.rstrip() for line in lines]
