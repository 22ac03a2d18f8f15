"""The root CLI: help everywhere, one-line errors, exit codes preserved."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

import triage.cli as cli


def test_exit_code_of_typer_exit_is_returned(monkeypatch) -> None:
    probe = typer.Typer()

    @probe.command()
    def fail() -> None:
        raise typer.Exit(3)

    monkeypatch.setattr(cli, "app", probe)
    assert cli.main([]) == 3


def test_clinic_error_is_one_line_and_exit_code(monkeypatch, capsys) -> None:
    probe = typer.Typer()

    @probe.command()
    def bad() -> None:
        raise cli.ClinicError("something is wrong here")

    monkeypatch.setattr(cli, "app", probe)
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: something is wrong here"


@pytest.fixture(scope="module")
def help_screens() -> list[tuple[list[str], Any, Result]]:
    """Every command's ``--help`` (path, click command, result), rendered once at 120 columns for
    the tests that read them all."""
    runner = CliRunner()
    screens: list[tuple[list[str], Any, Result]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        screens.append((path, cmd, runner.invoke(cli.app, [*path, "--help"], terminal_width=120)))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(cli.app), [])
    return screens


def test_every_command_has_help(help_screens: list[tuple[list[str], Any, Result]]) -> None:
    for path, cmd, result in help_screens:
        assert result.exit_code == 0, (path, result.output)
        assert cmd.help or cmd.short_help, f"no help text for {' '.join(path)}"


def test_usage_errors_are_one_message_not_a_traceback(capsys) -> None:
    assert cli.main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "No such command" in err
    assert "Traceback" not in err


def test_usage_errors_are_one_error_line_naming_the_command(capsys) -> None:
    cases = [
        (["report", "imbalance", "-i", "x", "--engine", "foo"], "triage report imbalance: Invalid value"),
        (["study", "fit"], 'triage study fit: Missing option "--nodes"'),
        (["referrals", "export", "--format", "xml", "--out", "x"], '"xml" is not one of "csv"'),
        (["nope"], 'triage: No such command "nope"'),
    ]
    for argv, expected in cases:
        assert cli.main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
        assert expected in captured.err and "Value error" not in captured.err
        assert captured.err.rstrip().endswith("--help`)")


def test_an_option_without_its_value_names_the_command_and_its_help(capsys) -> None:
    """click raises 'requires an argument' with no command attached: the line was 'error: Option
    "--now" requires an argument', without the command and its --help every other usage error names."""
    cases = [
        (["assess", "--now"], 'error: triage assess: Option "--now" requires an argument'),
        (["--config"], 'error: triage: Option "--config" requires an argument'),
        (
            ["-c", "x.toml", "referrals", "list", "--db"],
            'error: triage referrals list: Option "--db" requires',
        ),
        (["devices", "associations", "list", "--limit"], "error: triage devices associations list: Option"),
    ]
    for argv, expected in cases:
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        command = expected.removeprefix("error: ").split(":", 1)[0]
        assert err.startswith(expected) and err.endswith(f" (see `{command} --help`)\n"), err


def test_help_paragraphs_are_not_hard_wrapped_at_the_source_width() -> None:
    """Each paragraph of every command's help is one line; the help screen wraps it to the terminal."""
    root = typer.main.get_command(cli.app)

    def walk(cmd: Any, path: str) -> None:
        for paragraph in (cmd.help or "").split("\n\n"):
            assert "\n" not in paragraph, f"{path}: hard-wrapped help paragraph {paragraph!r}"
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(root, "triage")
    replay = root.commands["devices"].commands["replay"]  # type: ignore[attr-defined]
    assert replay.get_short_help_str(limit=200).startswith("Parse a capture file")


def test_help_screens_show_flags_without_a_value_and_no_python_types(
    help_screens: list[tuple[list[str], Any, Result]],
) -> None:
    """A flag takes no value, so its help row shows none; types are not Python's spelling.

    typer 0.29 printed every flag as ``--debug <bool>`` (as if it took a value), a list argument
    as ``FILE... <list[str]>`` and its usage as ``[FILE...]...``: what an integrator reads as
    "--debug needs true/false" (pyproject keeps typer below 0.29).
    """
    for path, _, result in help_screens:
        where = " ".join(["triage", *path])
        for wrong in ("<bool>", "<list[", "...]..."):
            assert wrong not in result.output, f"{where} --help shows {wrong!r}:\n{result.output}"
    assert len(help_screens) >= 30


def test_version_says_the_release_and_the_newest_log_schema(capsys) -> None:
    """An IT person checks which release is installed before an upgrade, and after a 'written by a
    newer clinic-triage (migration ...)' refusal: `triage --version` was 'No such option'."""
    from referral.migrations import MIGRATIONS
    from triage import __version__

    for argv in (["--version"], ["--version", "models", "list"]):
        assert cli.main(argv) == 0
        captured = capsys.readouterr()
        newest = MIGRATIONS._migrations[-1].name
        assert captured.out == f"clinic-triage {__version__} (referral log schema up to {newest})\n"


def test_the_clinic_commands_help_names_every_option_and_says_json_one_way() -> None:
    """In `triage assess | serve | demo | models | referrals`: every option and argument says what it
    is (`referrals queue --limit` said nothing), a name argument is NAME like ID and FILE (`models
    show` printed `{name}`), `--json` reads the same everywhere (models said '... instead of text',
    referrals did not) and `serve --log-level` lists every level it takes (it named four of six)."""
    from triage.cli.serve import LOG_LEVELS

    root = typer.main.get_command(cli.app)
    json_help: set[str] = set()

    def walk(cmd: Any, path: str) -> None:
        for param in getattr(cmd, "params", []):
            name = param.opts[0] if param.opts else param.name
            if name == "--help":
                continue
            assert getattr(param, "help", None), f"{path} {name}: no help text"
            if param.param_type_name == "argument":
                assert (param.metavar or "").split(".")[0].isupper(), (
                    f"{path} {name}: metavar {param.metavar!r}"
                )
            if name == "--json":
                json_help.add(param.help)
            if name == "--log-level":
                assert all(level in param.help for level in LOG_LEVELS), param.help
        for sub_name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {sub_name}")

    for command in ("assess", "serve", "demo", "models", "referrals"):
        walk(root.commands[command], f"triage {command}")  # type: ignore[attr-defined]
    assert json_help == {"Print machine-readable JSON."}


def test_usage_errors_quote_values_as_the_other_errors_do(capsys) -> None:
    """click quoted with Python's repr ("Invalid value for '--format': 'xml'", "Missing option
    '--actor'") while every other message quotes as JSON does (`--tier "foo": choose one of ...`);
    a value with an apostrophe or a control character stays one readable, escaped value."""
    cases = [
        (["referrals", "queue", "--state", "x", "--limit", "0"], 'Invalid value for "--limit": 0'),
        (["referrals", "show", "it's"], 'Invalid value for "ID": "it\'s" is not a referral id'),
        (["referrals", "show", "a\x1bb"], 'Invalid value for "ID": "a\\u001bb" is not'),
        (["referrals", "cancel", "7"], 'Missing option "--actor"'),
        (["report", "imbalance", "-i", "x", "--engine", "foo"], '"foo" is not one of "duckdb", "spark"'),
    ]
    for argv, expected in cases:
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert expected in err, err
        assert "'" not in err.replace("it's", ""), err
    assert cli._double_quoted("the demo's port 'x' isn't free") == "the demo's port \"x\" isn't free"


def test_ctrl_c_before_click_runs_the_command_is_130_not_a_traceback(monkeypatch, capsys) -> None:
    """Ctrl-C while typer builds the click commands from the functions' type hints (about the
    first second of every `triage` command) was a KeyboardInterrupt traceback and exit -2; click
    turns it into Abort (exit 130, 'aborted') only once the command runs."""

    class Interrupted:
        def __call__(self, *args: Any, **kwargs: Any) -> None:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", Interrupted())
    assert cli.main(["models", "verify"]) == 130
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "aborted\n")


def test_a_group_without_its_command_prints_its_help_and_no_empty_error(capsys) -> None:
    """`triage` or `triage referrals` alone printed the help, then 'error: triage referrals:  (see
    `triage referrals --help`)', a message with nothing in it. Now the help alone, exit 2 as
    typer's own (no command is a usage error)."""
    for argv, command in (
        ([], "referrals"),
        (["referrals"], "list"),
        (["devices", "associations"], "attach"),
    ):
        assert cli.main(argv) == 2
        captured = capsys.readouterr()
        assert captured.err == "", captured.err
        assert "Commands" in captured.out and command in captured.out


def test_db_reads_the_same_in_every_command() -> None:
    """--db is one file, the referral log (the device gateway's inbox is in it too): `devices listen`
    called it 'Clinic SQLite database' where every other command says 'Referral log SQLite file'."""
    root = typer.main.get_command(cli.app)
    helps: dict[str, str] = {}

    def walk(cmd: Any, path: str) -> None:
        for param in getattr(cmd, "params", []):
            if "--db" in getattr(param, "opts", ()):
                helps[path] = param.help
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(root, "triage")
    assert "triage devices listen" in helps and len(helps) >= 10
    assert set(helps.values()) == {"Referral log SQLite file (default: settings database.path)."}, helps
