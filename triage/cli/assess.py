"""`triage assess`: route one or more patients from JSON files (or stdin) and print the Assessment."""

from __future__ import annotations

import codecs
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from triage.cli.output import echo, examples, write
from triage.errors import ClinicError, ConfigError, UserInputError
from triage.json_input import JsonValueError, RepeatedKeyError, loads
from triage.phrases import (
    FEW_OUTCOMES,
    IMPUTED,
    IMPUTED_LESS_CERTAIN,
    IMPUTED_NO_SUBGROUP,
    NOT_SCORED,
    TEACHING_DATA,
    not_validated,
)

if TYPE_CHECKING:  # imported when the command runs: `triage --help` and the other commands skip them
    from triage.assess import ModelSetLike
    from triage.assessment import Assessment
    from triage.policy import Policy

HELP = """Route patients: scores, rules and risk models -> disposition with reasons.

FILE is a JSON document {"patient": {...}, "observations": [...], "policy": "optional.toml",
"assessed_at": "optional ISO time"} (see docs/assessment.md); "-" reads stdin (once; typed at a
terminal, end it with Ctrl-D). Several files may
be given (e.g. examples/*.json). Prints the Assessment as JSON (one object; an array of
{"file", "assessment"} objects for several files): the default, as integrators read it, so --json
changes nothing here; --table prints a readable summary instead.

Exit codes: 0 every input assessed; 2 an input, option or policy that is invalid (one line naming
the file and field; the other files are still assessed and printed); 1 with --models when the risk
models cannot be loaded.
"""


def _read(path: str) -> tuple[Any, Path | None, str]:
    if path == "-":
        # the bytes, decoded as a file's are: the terminal's encoding (GBK, or PYTHONIOENCODING)
        # turned a UTF-8 document into other characters, and a GBK one into surrogates
        if sys.stdin.isatty():  # typed at the prompt: it waited without a word, as if hung
            write(
                "reading the input JSON document from the terminal; end it with Ctrl-D"
                " (see `triage assess --help`)",
                err=True,
            )
        raw = sys.stdin.buffer.read()
        where, base = "stdin", None
    else:
        p = Path(path)
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            raise UserInputError(f"{path}: file does not exist") from None
        except IsADirectoryError:
            raise UserInputError(f"{path}: is a directory, expected a JSON file") from None
        except OSError as exc:  # no permission, a socket or device: was a traceback
            raise UserInputError(
                f"{path}: cannot read the file ({exc.strerror or exc}); check that it is a file this user can read"
            ) from None
        where, base = path, p.parent
    body = raw.removeprefix(codecs.BOM_UTF8)  # Windows editors write a byte order mark
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{where}: not UTF-8 text (byte {exc.start + len(raw) - len(body)})") from None
    if not text.strip():  # was "invalid JSON at line 1, column 1: Expecting value"
        raise UserInputError(f"{where}: empty; expected a JSON object (an input file as in examples/)")
    try:
        return loads(text), base, where
    except (RepeatedKeyError, JsonValueError) as exc:
        raise UserInputError(f"{where}: {exc.message()}") from None
    except json.JSONDecodeError as exc:
        raise UserInputError(
            f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:  # thousands of nested [ or {: no assessment input is like that
        raise UserInputError(f"{where}: JSON nested too deeply to be an assessment input") from None


def _load_models(ctx: typer.Context, wanted: bool | None) -> ModelSetLike | None:
    """Models from the registry: required with --models, skipped with --no-models, else if present."""
    if wanted is False:
        return None
    try:
        from triage.riskmodels import load_enabled_models

        return load_enabled_models(ctx.obj.settings.models, ctx.obj.config_path)
    except ConfigError:
        raise  # the settings are wrong (an unknown models.enabled name): not "models not present"
    except (ImportError, ClinicError) as exc:
        if wanted:
            raise
        echo(f"note: risk models not loaded ({exc}); scores and rules only", err=True)
        return None


def _registered_models(ctx: typer.Context) -> list[str]:
    import models as models_package
    from triage.riskmodels import read_registry

    directory = ctx.obj.settings.models.directory
    return list(read_registry(directory if directory is not None else models_package.MODELS_DIR).models)


def _policy_given(exc: ConfigError, option: Path | None, config: Path | None) -> ConfigError:
    """The policy failure named by where it was given: --policy, or the settings' policy.file in
    the settings file or variable that set it (as `triage serve` names it)."""
    from triage.settings import setting_problem

    where = f"--policy: {exc}" if option else setting_problem(("policy", "file"), str(exc), config)
    return ConfigError(where)


#: a score's UCUM unit as the reasons above it write it ('eGFR 45 mL/min/1.73m2 (G3a)'): the
#: readable summary showed the code's braces, 'kidney 45 mL/min/{1.73_m2} G3a'
_UNIT_SHOWN = {"mL/min/{1.73_m2}": "mL/min/1.73m2"}


def _checked_policy(path: Path | None, registered: list[str] | None) -> Policy:
    """The policy at ``path``; with the models in use, a ``[models.<name>]`` table must name a
    registered model: ``[models.cvd]`` for ``cvd10`` set a threshold that nothing ever read."""
    from triage.policy import builtin_model_tables, load_policy

    policy = load_policy(path)
    builtin = builtin_model_tables()  # the built-in policy's own tables (ckd, diabetes) are not the clinic's
    unknown = [
        n
        for n in policy.models.per_model()
        if registered is not None and n not in registered and n not in builtin
    ]
    if unknown:
        raise ConfigError(
            f"policy file {path}: models.{unknown[0]}: no such risk model; known: {', '.join(registered or ())}"
        )
    return policy


def _recheck(minutes: int) -> str:
    """``recheck_minutes`` as staff read it, in its largest whole unit as the staff page says it
    (43200 -> 'in 30 days'); 0 is the JSON's 'measure now'."""
    if minutes == 0:
        return "now"
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes % size == 0:
            count = minutes // size
            return f"in {count} {unit}{'' if count == 1 else 's'}"
    return f"in {minutes} min"


_CAUTION = tuple(
    phrase.template.split("{")[0]
    for phrase in (IMPUTED, IMPUTED_LESS_CERTAIN, IMPUTED_NO_SUBGROUP, FEW_OUTCOMES)
)


def _imputed_clauses(explanation: str) -> str:
    """The explanation's clauses on imputed inputs: which, with what, and that the risk is less
    certain for it (``triage.riskprediction.imputed_caution``)."""
    return "; ".join([c for c in explanation.split("; ") if c.startswith(_CAUTION)])


def _score_shown(name: str, value: float) -> str:
    """A score's value in the table: a risk in % as its detail shows it (``triage.scores.risk_shown``:
    four significant digits made China-PAR 9.99996 % read "10" beside a medium band); any other
    value to four significant digits."""
    from triage.scores import risk_shown

    return risk_shown(name, value) or f"{value:.4g}"


def _risk_shown(probability: float, threshold: float) -> str:
    """A model's risk beside its threshold, never on the other side of it: 29.996 % below a
    threshold of 30 % is "29.99%", not "30.0%" (``percent_shown``)."""
    from triage.scores.result import percent_shown

    return percent_shown(probability * 100, lambda p: str(p >= threshold * 100)) + "%"


def _table(a: Assessment, title: str | None, synthetic: bool) -> str:
    lines = []
    if title:
        lines.append(f"== {title}")
    if synthetic:  # the input's own label (every example's): the table is read without the file
        lines.append('SYNTHETIC input ("synthetic": true): not a real patient')
    lines.append(
        f"disposition: {a.disposition.value}  (tier {a.target_tier.value}; re-check {_recheck(a.recheck_minutes)})"
    )
    if a.red_flags:
        lines.append(f"red flags:   {', '.join(a.red_flags)}")
    if "acute_symptoms" in a.missing_inputs:  # the JSON's missing input, which the table did not show
        from triage.patient import ACUTE_SYMPTOMS, PRE_ECLAMPSIA_SYMPTOMS

        named = ", ".join(
            f"{s} (in pregnancy or after birth)" if s in PRE_ECLAMPSIA_SYMPTOMS else s for s in ACUTE_SYMPTOMS
        )
        fired = {r.rule for r in a.reasons}
        bp = a.scores.get("blood_pressure")
        if fired & {"pregnancy_hypertension", "postpartum_hypertension"} and (
            bp is None or bp.band != "grade_3"
        ):
            # below 180/110 in pregnancy from 20 weeks or after birth (readings.pre_eclampsia_pressure)
            why = (
                "in pregnancy from 20 weeks or after birth, with this pressure headache, epigastric_pain,"
                " visual_loss, dyspnoea, confusion or neurological_deficit is pre-eclampsia with severe features, and chest_pain an"
                " emergency at any pressure: each an emergency transfer"
            )
        else:
            why = "with this pressure any one is a hypertensive emergency"
        lines.append(
            f"ask now:     acute symptoms (patient.acute_symptoms: {named}) - {why}; record them ([] for none)"
            " and assess again"
        )
    if asked := [f for f in ("pregnant", "postpartum") if f in a.missing_inputs]:  # readings.unasked
        lines.append(
            f"ask now:     {' and '.join(f'patient.{f}' for f in asked)} - in pregnancy or the 6 weeks"
            " after birth this pressure is a same-day obstetric assessment (160/110: an emergency);"
            " record the answer and assess again"
        )
    if "known_ascvd" in a.missing_inputs:  # readings.ascvd_unasked
        lines.append(
            "ask now:     patient.known_ascvd - China-PAR, the PCE and the cvd10 and stroke10 models estimate"
            " for people without established ASCVD (a prior MI or ACS, angina, stroke or TIA, PAD, a stent or"
            " bypass); with it the estimate does not apply (secondary prevention, very high risk): record it"
            " (true or false) and assess again"
        )
    for r in a.reasons:
        lines.append(f"  [{r.level.value:<18}] {r.rule}: {r.detail}")
    lines.append("scores:")
    units = {name: _UNIT_SHOWN.get(s.unit, s.unit) for name, s in a.scores.items()}
    unit_width = max((len(unit) for unit in units.values()), default=0)
    for name, s in a.scores.items():
        shown = "-" if s.value is None else _score_shown(name, s.value)
        state = "" if s.complete else f"  (incomplete: missing {', '.join(s.missing)})"
        if not s.applicable:  # why not (a child's age, established ASCVD): a '-' alone said nothing
            state = f"  ({s.detail})"
        elif (limit := not_validated(name, s.detail)) is not None:  # computed where it is not validated
            state += f"  ({limit.template})"
        lines.append(f"  {s.name:<15} {shown:>7} {units[name]:<{unit_width}} {s.band or '-'}{state}")
    for m in a.models:
        if m.probability is not None:
            # a probability is never shown without what it is worth (the JSON's explanation ends so)
            p = f"{_risk_shown(m.probability, m.threshold)} vs threshold {m.threshold:.1%} ({TEACHING_DATA.template})"
        elif m.missing:
            p = f"not scored (missing {', '.join(m.missing)})"
        else:  # the reason inside the engine's own phrasing; any other text shown whole
            found = NOT_SCORED.match(m.explanation)
            p = f"not scored ({found['reason'] if found else m.explanation})"
        lines.append(f"  model {m.model} {m.version}: {p}")
        if m.probability is not None and m.imputed and not m.above_threshold:
            # above its threshold the model's reason shows the whole explanation; below it this line
            # is all there is, so the imputed inputs and the caution they bring are said here
            lines.append(f"    {_imputed_clauses(m.explanation)}")
    for i in a.ignored_observations:
        lines.append(f"  ignored {i.code} {i.value} ({i.reason}: {i.detail})")
    for n in a.notes:
        lines.append(f"  note: {n}")
    lines.append(f"policy {a.policy_version}; {a.engine_version}; assessed {a.assessed_at.isoformat()}")
    return "\n".join(lines)


def run_assess(
    ctx: typer.Context,
    files: list[str],
    policy_file: Path | None,
    use_models: bool | None,
    now_text: str | None,
    pretty: bool,
    table: bool,
) -> int:
    """Assess every file and print the results; returns how many files were invalid."""
    from triage.assess import assess
    from triage.assess_request import parse_request, parse_time

    now = parse_time(now_text, "--now") if now_text is not None else None  # "" (an unset $WHEN): refused
    if files.count("-") > 1:  # the second read found it empty: 'stdin: empty'
        raise UserInputError(
            f"'-' (stdin) is given {files.count('-')} times; standard input can be read once"
        )
    policies: dict[Path | None, Policy] = {}
    models = _load_models(ctx, use_models)
    registered = _registered_models(ctx) if models is not None else None
    results: list[tuple[str, Assessment, bool]] = []  # file, assessment, labelled synthetic
    failures = 0
    shared_failure: ConfigError | None = None  # --policy or the settings' file could not be used
    for path in files:
        try:
            data, base, where = _read(path)
            request = parse_request(data, base_dir=base, where=where)
            chosen = policy_file or request.policy_path or ctx.obj.settings.policy.file
            if chosen not in policies:
                try:
                    policies[chosen] = _checked_policy(chosen, registered)
                except ConfigError as exc:
                    if policy_file or chosen != request.policy_path:
                        # --policy or the settings' file: the same for every input, so the run
                        # stops with it said once (it was repeated for each of several files),
                        # naming where it was given ('policy file x.toml does not exist': which?)
                        shared_failure = _policy_given(exc, policy_file, ctx.obj.config_path)
                        raise shared_failure from None
                    # the input's own "policy" (relative to its folder): say which input named it
                    raise ConfigError(f"{where}: policy: {exc}") from None
            policy = policies[chosen]
            try:
                assessment = assess(
                    request.patient, request.observations, policy, models, request.assessed_at or now
                )
            except UserInputError as exc:  # e.g. a birth date that disagrees with the age given
                raise UserInputError(f"{where}: {exc}") from None
            results.append((path, assessment, data.get("synthetic") is True))
        except UserInputError as exc:
            if len(files) == 1 or exc is shared_failure:
                raise
            failures += 1
            echo(f"error: {exc}", err=True)
    if table:
        # where stdout's encoding (GBK, latin-1, ASCII) cannot hold a character (the FINDRISC
        # reference's 'ö'), write() prints its \u + four hex digits escape: the JSON is the same document
        several = len(files) > 1
        write("\n\n".join(_table(a, path if several else None, synthetic) for path, a, synthetic in results))
    elif len(files) == 1 and results:
        write(results[0][1].model_dump_json(indent=2 if pretty else None))
    else:
        payload = [{"file": path, "assessment": a.model_dump(mode="json")} for path, a, _ in results]
        write(json.dumps(payload, indent=2 if pretty else None, ensure_ascii=False))
    return failures


def register(app: typer.Typer) -> None:
    """Add `triage assess` to the root application."""

    @app.command(
        "assess",
        help=HELP,
        epilog=examples(
            "triage assess examples/urgent-referral.json --table",
            "triage assess examples/*.json --pretty  # a JSON array of {file, assessment}",
            "cat examples/local-care.json | triage assess - --no-models  # stdin",
            "triage assess examples/local-care.json --now 2026-11-25T10:00:00+08:00",
        ),
    )
    def assess_command(
        ctx: typer.Context,
        files: list[str] | None = typer.Argument(
            None, metavar="FILE...", help="Input JSON file(s); '-' for stdin."
        ),
        policy_file: Path | None = typer.Option(
            None,
            "--policy",
            "-p",
            help="Clinic policy TOML, for every input (default: the input's \"policy\", else the settings'"
            " policy.file, else the built-in policy).",
        ),
        use_models: bool | None = typer.Option(
            None,
            "--models/--no-models",
            help="Use the ONNX risk models (default: when the model registry loads) or rules and scores only.",
        ),
        now: str | None = typer.Option(
            None,
            "--now",
            help="Assessment time, ISO 8601 with timezone, for inputs without assessed_at (an input's own "
            "assessed_at wins; default: now).",
        ),
        as_json: bool = typer.Option(
            False,
            "--json",
            help="Print machine-readable JSON.",
        ),
        pretty: bool = typer.Option(False, "--pretty", help="Indent the JSON output."),
        table: bool = typer.Option(False, "--table", help="Human-readable summary instead of JSON."),
        schema: bool = typer.Option(
            False,
            "--schema",
            help="Print the Assessment JSON Schema and exit (without FILE: it reads no input).",
        ),
    ) -> None:
        if table and (as_json or pretty):
            # the JSON flags asked for what --table replaces: refused, not silently dropped
            raise UserInputError(
                f"--table and {'--json' if as_json else '--pretty'} contradict each other: --table prints"
                " a summary, not JSON; give one of them (JSON is the default)"
            )
        if schema:
            if files:  # it read none of them: not a check of the files against the schema
                raise UserInputError(
                    "--schema prints the Assessment JSON Schema and reads no input; give it without FILE"
                    f" (got {' '.join(files)})"
                )
            from triage.assessment import json_schema_text

            write(json_schema_text(), nl=False)
            return
        if not files:
            raise UserInputError(
                "give at least one input FILE (or '-' for stdin); see `triage assess --help`"
            )
        failures = run_assess(ctx, files, policy_file, use_models, now, pretty, table)
        if failures:
            raise UserInputError(
                f"{failures} of {len(files)} input files {'was' if failures == 1 else 'were'} invalid"
                " (see the errors above)"
            )
