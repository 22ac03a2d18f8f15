"""The ``triage`` command: one Typer application whose groups live in sibling modules, each
imported only when its command is used (:mod:`triage.cli.lazy`).

Errors from the project's error tree become one line on stderr and a non-zero exit code
(2 for invalid input); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import inspect
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path
from typing import ClassVar

import typer

import referral  # noqa: F401  - first: sqlite-utils without pandas (see referral/__init__.py)
from referral.errors import ConfigError
from referral.storage import read_problem, storage_error
from triage.cli import lazy
from triage.cli.context import AppContext
from triage.cli.help_examples import EXAMPLES, add_examples
from triage.cli.output import echo, examples, guard_streams, write
from triage.command_name import runnable, runnable_hints
from triage.ctrl_c import CTRL_C_EXIT, aborted  # the standard library only: not serve's (the service)
from triage.errors import ClinicError, json_text


class _Commands(lazy.LazyGroup):
    """`triage`'s commands, in the order its --help lists them; a command's module is imported when
    that command is used (triage/cli/lazy.py): `triage assess` does not import the service."""

    adders: ClassVar[dict[str, lazy.Adder]] = {
        "assess": lazy.command("triage.cli.assess"),
        "serve": lazy.command("triage.cli.serve"),
        "demo": lazy.command("triage.cli.demo"),
        "models": lazy.group("triage.cli.models", "models"),
        "devices": lazy.group("triage.cli.devices", "devices"),
        "referrals": lazy.group("triage.cli.referrals", "referrals"),
        "study": lazy.group("triage.cli.study", "study"),
        "report": lazy.group("triage.cli.report", "report"),
    }

    @staticmethod
    def finish(app: typer.Typer) -> None:
        add_examples(app)  # each --help ends with worked examples
        _unwrap_help(app)


app = typer.Typer(
    name="triage",
    cls=_Commands,
    help="Clinic-side triage: device gateway, clinical scores, risk models, referral log, analytics.",
    epilog=examples(*EXAMPLES[()]),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version() -> None:
    """What an IT person checks first: which release is installed, and which log schema it writes
    (a log from a newer release is refused naming its migration)."""
    from referral.migrations import MIGRATIONS
    from triage import __version__

    write(f"clinic-triage {__version__} (referral log schema up to {MIGRATIONS._migrations[-1].name})")
    raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        readable=False,  # click's 'Path "..." is not readable' said neither whose file nor what to do
        help="Settings TOML file (default: $TRIAGE_CONFIG, then built-in defaults).",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=lambda wanted: _print_version() if wanted else None,
        help="Print the installed version (and the newest referral log schema it knows) and exit.",
    ),
) -> None:
    if config is not None and (blocked := read_problem(config)) is not None:
        raise ConfigError(f"settings file {config} (--config): {blocked}")
    app_ctx = ctx.obj if isinstance(ctx.obj, AppContext) else AppContext()  # main() passes one
    app_ctx.config_path, app_ctx.debug = config, debug
    ctx.obj = app_ctx


#: A Python string literal as repr() writes it, standing alone (not an apostrophe inside a word).
_REPR_LITERAL = re.compile(r"""(?<![\w'"])(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")(?![\w'"])""")


def _double_quoted(text: str) -> str:
    """Click quotes with repr (``'xml' is not one of 'csv', ...``, ``Missing option '--actor'``);
    every other message of the CLI quotes a value as JSON does (:func:`json_text`): one style."""
    import ast

    def quote(found: re.Match[str]) -> str:
        try:
            value = ast.literal_eval(found.group())
        except (SyntaxError, ValueError):
            return found.group()
        return json_text(value) if isinstance(value, str) else found.group()

    return _REPR_LITERAL.sub(quote, text)


def _usage_message(exc: Exception, argv: list[str]) -> str:
    """Click's usage error as one line, naming the command and where its help is, its values
    quoted as the CLI's other messages quote them."""
    text = exc.format_message().replace("Value error, ", "")  # type: ignore[attr-defined]
    message = _NOT_A_NUMBER.sub(_number_wanted, _double_quoted(" ".join(text.split()).rstrip(".")))
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else _command_path(argv)
    given = getattr(exc, "option_name", None)
    if given in _TRIAGE_S_OWN and command != "triage":
        # `triage serve --config FILE`, as a systemd unit is first written: the help of `serve` has no --config
        rest = command.removeprefix("triage ")
        value = " FILE" if given in ("--config", "-c") else ""
        message += (
            f"; {given} is an option of triage itself, given before the command: triage {given}{value} {rest}"
        )
    return f"{command}: {message} (see `{command} --help`)"


#: Click's words for a value that is no number: '"abc" is not a valid int range' read as though a
#: range (1-10) were wanted, when --limit takes one whole number
_NOT_A_NUMBER = re.compile(r"is not a valid (int|integer|float)(?: range)?\b")


def _number_wanted(found: re.Match[str]) -> str:
    return "is not a whole number" if found.group(1) != "float" else "is not a number"


#: The options of ``triage`` itself (before the command), given after one by mistake.
_TRIAGE_S_OWN = ("--config", "-c", "--debug")


def _command_path(argv: list[str]) -> str:
    """The command ``argv`` names, for click's errors raised without one ('Option "--now" requires
    an argument'): its words that are sub-command names, down to the first command that has none."""
    command = typer.main.get_command(app)
    path = ["triage"]
    for word in argv:
        commands = getattr(command, "commands", None)
        if commands is None:
            break
        if word in commands:
            command = commands[word]
            path.append(word)
    return " ".join(path)


def _unwrap_help(app: typer.Typer) -> None:
    """Join the hard-wrapped lines of every help paragraph (blank lines between paragraphs stay).

    Typer re-flows only a help text's first paragraph; the others kept the source's line breaks,
    which then broke mid-sentence on a terminal of another width. Docstrings stay wrapped at the
    source's line length; the help screen wraps to the terminal.
    """
    for info in app.registered_commands:
        text = info.help or (info.callback.__doc__ if info.callback else None)
        if text:
            paragraphs = inspect.cleandoc(text).split("\n\n")
            info.help = "\n\n".join(" ".join(p.split()) for p in paragraphs)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _unwrap_help(group.typer_instance)


#: ``triage ... | head -1``: the reader closed the pipe. What the shell reports for a program the
#: signal ended (``yes | head -1``); Python ignores SIGPIPE, so its write fails instead.
CLOSED_PIPE_EXIT = 128 + getattr(signal, "SIGPIPE", 13)


def main(argv: list[str] | None = None) -> int:
    """Console entry point. Returns the exit code instead of raising for user errors.

    Output piped to a reader that stops early (``triage models list | head -1``) ends the command
    quietly with :data:`CLOSED_PIPE_EXIT`, for every command: it exited 1 (typer's own handling)
    like a failure, or printed Python's BrokenPipeError when the last output met the closed pipe
    at exit. As the Python docs' note on SIGPIPE advises: SIGPIPE left ignored, the error caught
    around the whole entry point, standard output flushed inside it and then sent to /dev/null."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # buffered output meets a closed pipe here, not at interpreter exit
    except BrokenPipeError:
        return _closed_pipe()
    return code


def _closed_pipe() -> int:
    """Python flushes standard output again at exit: the rest goes to /dev/null, not a traceback."""
    stdout = sys.__stdout__
    if stdout is not None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        os.close(devnull)
    return CLOSED_PIPE_EXIT


def _run(argv: list[str] | None) -> int:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    guard_streams()  # a latin-1 or ASCII terminal gets \u + four hex digits escapes, never a traceback
    runnable_hints()  # the referral log's lines name the triage that runs, as its errors do
    context = AppContext()
    try:
        # In non-standalone mode click returns the code of a `typer.Exit(n)` instead of raising.
        result = app(args=argv, standalone_mode=False, prog_name="triage", obj=context)
    except sqlite3.DatabaseError as exc:
        # a full disk or a damaged page met while reading: one line naming the log and the way out
        explained = storage_error(exc, context.database or "(the referral log)")
        if debug or explained is None:
            raise
        echo(f"error: {explained}", err=True)
        return explained.exit_code
    except ClinicError as exc:
        if debug:
            raise
        # may name stored or received text: escaped; a command it suggests names the one that runs
        echo(f"error: {runnable(str(exc))}", err=True)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        # click turns Ctrl-C in a command into Abort; Ctrl-C while typer still built the commands (from
        # the functions' type hints) came through as a KeyboardInterrupt traceback
        write("aborted", err=True)
        return CTRL_C_EXIT
    except (typer.Exit, SystemExit) as exc:
        if isinstance(exc.__context__, BrokenPipeError):
            raise exc.__context__ from None  # typer turned it into exit 1 (see main)
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        return int(code or 0)
    except Exception as exc:
        # Usage errors (missing argument, unknown command...) come from the click that typer
        # bundles; recognise them by their base class name rather than one import path.
        if type(exc).__name__ == "NoArgsIsHelpError":
            # `triage` or `triage referrals` alone: typer has printed the help already (its
            # message is empty; plain click's is the help), which was followed by a stray
            # 'error: triage referrals:  (see ...)'; exit 2 as typer's own, a usage error
            if help_text := exc.format_message():  # type: ignore[attr-defined]
                write(help_text)
            return int(getattr(exc, "exit_code", 2))
        if any(cls.__name__ == "ClickException" for cls in type(exc).__mro__):
            echo(f"error: {_usage_message(exc, argv if argv is not None else sys.argv[1:])}", err=True)
            return int(getattr(exc, "exit_code", 2))
        raise
    if result == CTRL_C_EXIT and aborted():
        # typer ends a Ctrl-C in a command (a capture read, the command line still read) with exit
        # 130 and no word, returned here: said as every other Ctrl-C that aborts a command
        write("aborted", err=True)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
