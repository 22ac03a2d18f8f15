"""`triage assess` through the real CLI entry point: JSON, stdin, several files, the table, --now,
help and the schema, terminal encodings. Inputs it refuses are in ``test_cli_assess_input_errors.py``,
policy and settings files in ``test_cli_assess_policy.py``; both share ``assess_cli.py``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.triage.assess_cli import EXAMPLES, run
from triage.assessment import Assessment


def test_single_file_prints_assessment_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "assess", str(EXAMPLES / "urgent-referral.json"), "--no-models")
    assert code == 0, err
    a = Assessment.model_validate_json(out)
    assert a.disposition.value == "urgent_referral" and a.patient_id == "demo-urgent-01"
    assert a.model_versions == {}


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {
        "patient": {"age": 40},
        "observations": [{"code": "spo2", "value": 89, "unit": "%", "observed_at": "2026-11-25T08:00:00Z"}],
        "assessed_at": "2026-11-25T08:05:00Z",
    }
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(doc).encode("utf-8"))))
    code, out, _ = run(capsys, "assess", "-", "--no-models", "--pretty")
    assert code == 0
    assert json.loads(out)["disposition"] == "urgent_referral"
    assert out.startswith("{\n")


def test_several_files_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.json"))
    code, out, _ = run(capsys, "assess", *files, "--no-models")
    assert code == 0
    payload = json.loads(out)
    assert [item["file"] for item in payload] == files
    assert {item["assessment"]["disposition"] for item in payload} == {
        "routine_referral",
        "urgent_referral",
        "emergency_transfer",
        "insufficient_data",
        "local_care",
    }
    code, out, _ = run(capsys, "assess", *files[:2], "--no-models", "--table")
    assert code == 0 and "disposition:" in out and f"== {files[0]}" in out


def test_with_real_models(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    code, out, err = run(capsys, "assess", str(EXAMPLES / "routine-referral.json"), "--models")
    assert code == 0, err
    a = Assessment.model_validate_json(out)
    assert a.model_versions and a.models


def test_table_says_why_a_model_did_not_score_and_keeps_its_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    code, out, err = run(capsys, "assess", str(EXAMPLES / "urgent-referral.json"), "--models", "--table")
    assert code == 0, err
    assert "model cvd10 1.0.0: not scored (missing total_cholesterol)" in out
    lines = out.splitlines()
    news2 = next(line for line in lines if line.startswith("  news2 "))
    kidney = next(line for line in lines if line.startswith("  kidney "))
    # The band column starts at the same place on every line, however long the unit.
    unit = "mL/min/1.73m2"  # the UCUM mL/min/{1.73_m2}, as the reasons write it
    assert news2.index("low_elevated") == kidney.index(unit) + len(unit) + 1


def test_table_gives_the_reason_of_the_engines_not_scored_phrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table's "not scored (...)" is the reason inside triage.phrases.NOT_SCORED - the phrasing
    the engine writes - not a prefix stripped by hand."""
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    from triage.phrases import NOT_SCORED

    at = "2026-11-25T10:00:00+08:00"
    doc = {
        "assessed_at": at,
        "patient": {"age": 58, "sex": "male", "diabetes": True, "ckd": True, "bmi": 31.0},
        "observations": [
            {"code": code, "value": value, "observed_at": at}
            for code, value in (("total_cholesterol", 5.0), ("sbp", 150), ("glucose_random", 9))
        ],
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--models")
    assert code == 0, err
    unscored = [
        m for m in Assessment.model_validate_json(out).models if m.probability is None and not m.missing
    ]
    assert {m.model for m in unscored} >= {"diabetes", "ckd"}
    code, table, err = run(capsys, "assess", str(path), "--models", "--table")
    assert code == 0, err
    for m in unscored:
        found = NOT_SCORED.match(m.explanation)
        assert found is not None and found["model"] == m.model
        assert f"  model {m.model} {m.version}: not scored ({found['reason']})\n" in table
    assert "model ckd 1.1.0: not scored (outside the model population: patient.ckd is true)" in table


def test_now_option_and_staleness(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "urgent-referral.json")
    code, out, _ = run(capsys, "assess", path, "--no-models", "--now", "2026-11-30T10:00:00+08:00")
    assert code == 0
    # the input's own assessed_at wins over --now, so saved cases stay reproducible
    assessment = json.loads(out)
    assert assessment["disposition"] == "urgent_referral"
    saved = json.loads((EXAMPLES / "urgent-referral.json").read_text(encoding="utf-8"))
    assert assessment["assessed_at"] == saved["assessed_at"]


def test_now_help_says_an_inputs_assessed_at_wins() -> None:
    # The help once read "(default: the input's assessed_at, else now)", as if --now overrode it.
    import typer.main

    from triage.cli import app

    assess_command = typer.main.get_command(app).commands["assess"]
    (now,) = [p for p in assess_command.params if "--now" in getattr(p, "opts", ())]
    assert "for inputs without assessed_at" in now.help and "assessed_at wins" in now.help


def test_help_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assess", "--help")
    assert code == 0
    for option in ("--policy", "--models", "--no-models", "--now", "--pretty", "--table"):
        assert option in out


def test_schema_option_and_no_files(capsys: pytest.CaptureFixture[str]) -> None:
    from triage.assessment import json_schema_text

    code, out, _ = run(capsys, "assess", "--schema")
    assert code == 0 and out == json_schema_text()
    code, out, err = run(capsys, "assess")
    assert code == 2 and "give at least one input FILE" in err


def test_table_labels_every_model_probability_as_teaching_data(capsys: pytest.CaptureFixture[str]) -> None:
    """`--table` printed 'model cvd10 1.0.0: 1.8% vs threshold 10.0%' bare: the clinician reading it
    was not told the probability comes from teaching data, not validated on a Chinese primary-care
    population, as the JSON's explanation and every card say."""
    pytest.importorskip("triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present")
    code, out, err = run(capsys, "assess", str(EXAMPLES / "local-care.json"), "--models", "--table")
    assert code == 0, err
    shown = [line for line in out.splitlines() if line.startswith("  model ") and " vs threshold " in line]
    assert len(shown) == 3  # cvd10, stroke10, diabetes score; ckd lacks its inputs
    for line in shown:
        assert line.endswith(
            "(teaching data - not for clinical use - not validated on a Chinese primary-care population)"
        ), line


ENTRY = "import sys; from triage.cli import main; sys.exit(main())"


def _triage(args: list[str], encoding: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The real entry point in a process whose terminal encoding is ``encoding`` (a zh_CN.GBK
    locale, or PYTHONIOENCODING)."""
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args], input=stdin, capture_output=True, env=env, timeout=120
    )


def test_stdin_is_read_as_utf8_whatever_the_terminal_encoding() -> None:
    """stdin was decoded with the terminal's encoding: under GBK a UTF-8 document's 张三 became other
    characters, and a GBK document gave a pydantic error about surrogates instead of the files'
    'not UTF-8 text (byte N)'."""
    doc = {"patient": {"patient_id": "张三-01"}, "assessed_at": "2026-11-25T10:00:00+08:00"}
    utf8 = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    done = _triage(["assess", "-", "--no-models"], "gbk", utf8)
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    assert json.loads(done.stdout.decode("gbk"))["patient_id"] == "张三-01"
    gbk = json.dumps(doc, ensure_ascii=False).encode("gbk")
    done = _triage(["assess", "-", "--no-models"], "utf-8", gbk)
    offset = gbk.index("张".encode("gbk"))
    assert (done.returncode, done.stderr.decode()) == (2, f"error: stdin: not UTF-8 text (byte {offset})\n")


def test_output_survives_a_terminal_encoding_without_every_character() -> None:
    """A GBK terminal cannot hold the 'ö' of a score's reference (Lindström): `triage assess` ended
    in a UnicodeEncodeError traceback. JSON now comes out with \\u escapes - the same document - and
    the table with backslash escapes."""
    encoding = "gbk"
    example = str(EXAMPLES / "local-care.json")
    expected = json.loads(_triage(["assess", example, "--no-models"], "utf-8").stdout.decode("utf-8"))
    assert "ö" in json.dumps(expected, ensure_ascii=False)
    for extra in ([], ["--pretty"]):
        done = _triage(["assess", example, "--no-models", *extra], encoding)
        assert done.returncode == 0, done.stderr.decode(encoding, "replace")
        assert json.loads(done.stdout.decode(encoding)) == expected
    done = _triage(["assess", example, example, "--no-models"], encoding)
    listed = json.loads(done.stdout.decode(encoding))  # GBK text: only what GBK lacks is escaped
    assert done.returncode == 0 and [x["assessment"] for x in listed] == [expected] * 2
    done = _triage(["assess", example, "--no-models", "--table"], encoding)
    assert done.returncode == 0 and done.stdout.decode(encoding).startswith(
        'SYNTHETIC input ("synthetic": true): not a real patient\ndisposition: local_care'
    )


def test_stderr_stays_clean_where_home_cannot_be_written(tmp_path: Path) -> None:
    """onnxruntime (1.29+) starts its telemetry on import: it writes a device id under
    ~/.cache/Microsoft, and where HOME cannot be written printed '[W:onnxruntime:Default,
    telemetry_1ds.cc] Failed to persist telemetry device ID' on stderr of every command that loads
    the risk models. `triage` turns the telemetry off before onnxruntime is imported."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # HOME under a file: not even root can create it
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    triage = str(Path(sys.executable).with_name("triage"))
    for home in (blocker / "home", tmp_path / "home"):
        result = subprocess.run(
            [triage, "assess", "--models", str(EXAMPLES / "local-care.json")],
            env={**env, "HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert Assessment.model_validate_json(result.stdout).models
    assert not (tmp_path / "home").exists()  # nothing written under a writable HOME either


def test_json_is_accepted_as_in_every_other_command_and_table_contradicts_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every other command prints text and takes --json; assess prints JSON by default (its
    documented output), and `triage assess --json FILE` was 'No such option: --json'. --json
    now gives the same JSON; with --table (or --pretty) it is refused rather than dropped."""
    example = str(EXAMPLES / "local-care.json")
    fixed = ("--no-models", "--now", "2026-11-25T10:00:00+08:00")
    code, default, _ = run(capsys, "assess", example, *fixed)
    assert code == 0
    code, explicit, err = run(capsys, "assess", "--json", example, *fixed)
    assert code == 0 and explicit == default and err == ""
    code, pretty, _ = run(capsys, "assess", "--json", "--pretty", example, *fixed)
    assert code == 0 and json.loads(pretty) == json.loads(default) and pretty != default
    for flag in ("--json", "--pretty"):
        code, out, err = run(capsys, "assess", flag, "--table", example, *fixed)
        assert code == 2 and out == ""
        assert err == (
            f"error: --table and {flag} contradict each other: --table prints a summary, not JSON;"
            " give one of them (JSON is the default)\n"
        )


def test_help_ends_with_examples_that_run_from_the_repository() -> None:
    """`triage study ...` and `triage report ...` end their help with worked examples; assess - the
    first command a new user runs, on the shipped examples/ - had none. Each example line runs
    (a real shell, from the repository's folder, as the README's reader types it) and exits 0."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["COLUMNS"] = "80"
    helped = subprocess.run(
        ["triage", "assess", "--help"], capture_output=True, text=True, env=env, timeout=120, check=True
    ).stdout
    # --json reads the same in every command (tests/unit/test_cli_root.py); the text above the
    # options says that here it changes nothing
    assert "so --json changes nothing here" in " ".join(helped.split())
    examples = [line.strip() for line in helped.split("Examples:", 1)[1].splitlines() if line.strip()]
    assert len(examples) >= 3 and any(" - " in line and line.startswith("cat ") for line in examples)
    for line in examples:
        command = line.split("  #", 1)[0]
        assert "triage assess " in command, line
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, env=env, cwd=EXAMPLES.parent, timeout=120
        )
        assert done.returncode == 0 and done.stdout, (line, done.stderr)


@pytest.mark.parametrize(
    ("example", "said"),
    [
        ("local-care.json", "re-check in 30 days)"),  # was 're-check in 43200 min'
        ("emergency-transfer.json", "re-check in 15 min)"),
        ("urgent-referral.json", "re-check in 1 hour)"),  # was '60 min'
        ("insufficient-data.json", "re-check now)"),  # was 're-check in 0 min': 0 = measure now
    ],
)
def test_table_says_the_recheck_interval_as_staff_read_it(
    capsys: pytest.CaptureFixture[str], example: str, said: str
) -> None:
    """The staff page says 'Recheck in 30 days'; the table said 're-check in 43200 min'."""
    code, out, err = run(capsys, "assess", str(EXAMPLES / example), "--no-models", "--table")
    assert code == 0, err
    first = next(line for line in out.splitlines() if line.startswith("disposition: "))
    assert first.endswith(said), first


def test_stdin_given_twice_is_refused_rather_than_read_empty_the_second_time(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`triage assess - -` assessed stdin, then said 'stdin: empty' for the second '-'."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"{}")))
    code, out, err = run(capsys, "assess", "-", str(EXAMPLES / "local-care.json"), "-", "--no-models")
    assert (code, out) == (2, "")
    assert err == "error: '-' (stdin) is given 2 times; standard input can be read once\n"


def test_stdin_on_a_terminal_says_what_it_waits_for() -> None:
    """`triage assess -` typed at a terminal waited silently, as if hung; on a real pseudo-terminal
    it now says on stderr that it reads the JSON document there until Ctrl-D, then assesses it."""
    import pty
    import select

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("triage")), "assess", "-", "--no-models"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    try:
        assert process.stderr is not None
        said = b""
        while b"\n" not in said:
            ready, _, _ = select.select([process.stderr], [], [], 60)
            assert ready, "nothing said on stderr"
            chunk = os.read(process.stderr.fileno(), 1024)
            assert chunk, said
            said += chunk
        assert said.decode() == (
            "reading the input JSON document from the terminal; end it with Ctrl-D (see `triage assess --help`)\n"
        )
        os.write(master, b'{"assessed_at": "2026-11-25T10:00:00+08:00"}\n\x04')
        out, err = process.communicate(timeout=60)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert json.loads(out)["disposition"] == "insufficient_data"


def test_policy_help_says_what_is_used_without_it() -> None:
    """--policy said what it overrides but not what an input without it is assessed by."""
    import typer.main

    from triage.cli import app

    params = typer.main.get_command(app).commands["assess"].params
    (policy,) = [p for p in params if "--policy" in getattr(p, "opts", ())]
    assert (
        "default: the input's \"policy\", else the settings' policy.file, else the built-in policy"
        in policy.help
    )


def test_schema_with_input_files_is_refused_rather_than_the_files_ignored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`triage assess case.json --schema` printed the schema and never read case.json - read as
    'case.json is valid' by someone who wanted it checked; refused as --table with --json is."""
    example = str(EXAMPLES / "local-care.json")
    code, out, err = run(capsys, "assess", example, "--schema")
    assert (code, out) == (2, "")
    assert err == (
        "error: --schema prints the Assessment JSON Schema and reads no input; give it without FILE"
        f" (got {example})\n"
    )


def test_table_of_a_synthetic_input_says_so_first(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Every example is labelled "synthetic": true (a FICTIONAL patient); the table showed an urgent
    referral, its red flags and model risks with nothing saying the patient is not real."""
    code, out, err = run(capsys, "assess", str(EXAMPLES / "urgent-referral.json"), "--no-models", "--table")
    assert code == 0, err
    assert out.splitlines()[0] == 'SYNTHETIC input ("synthetic": true): not a real patient'
    real = tmp_path / "case.json"
    real.write_text('{"patient": {"age": 60}}', encoding="utf-8")
    code, out, err = run(
        capsys, "assess", str(real), str(EXAMPLES / "local-care.json"), "--no-models", "--table"
    )
    assert code == 0, err
    blocks = out.split("\n\n")
    assert "SYNTHETIC" not in blocks[0]
    assert blocks[1].splitlines()[:2] == [
        f"== {EXAMPLES / 'local-care.json'}",
        'SYNTHETIC input ("synthetic": true): not a real patient',
    ]


def test_the_help_names_each_exit_code_the_command_ends_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`triage assess --help` said only 'Invalid input exits 2': not what 0 and 1 mean, nor that
    the other files are still assessed; each code it names is the one the command ends with."""
    monkeypatch.setenv("COLUMNS", "200")
    code, text, _ = run(capsys, "assess", "--help")
    help_text = " ".join(text.split())
    assert (
        code == 0
        and "Exit codes: 0 every input assessed; 2 an input, option or policy that is invalid" in help_text
    )
    assert (
        "the other files are still assessed and printed); 1 with --models when the risk models cannot be loaded"
        in help_text
    )
    case = tmp_path / "case.json"
    case.write_text("{}", encoding="utf-8")
    assert run(capsys, "assess", str(case), "--no-models")[0] == 0
    assert run(capsys, "assess", str(case), "--no-models", "--now", "noon")[0] == 2
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(tmp_path))  # no registry.json there
    assert run(capsys, "assess", str(case), "--models")[0] == 1


def test_the_table_writes_the_kidney_unit_as_its_reasons_do(capsys: pytest.CaptureFixture[str]) -> None:
    """The readable summary showed the UCUM code's braces, 'kidney 45 mL/min/{1.73_m2} G3a', under
    a reason reading 'eGFR 45 mL/min/1.73m2 (G3a)'; the JSON keeps the UCUM code."""
    example = str(EXAMPLES / "routine-referral.json")
    code, out, _ = run(capsys, "assess", example, "--no-models", "--table")
    assert code == 0 and "{1.73_m2}" not in out
    assert [line.split() for line in out.splitlines() if line.strip().startswith("kidney ")] == [
        ["kidney", "45", "mL/min/1.73m2", "G3a"]
    ]
    code, out, _ = run(capsys, "assess", example, "--no-models")
    assert json.loads(out)["scores"]["kidney"]["unit"] == "mL/min/{1.73_m2}"
