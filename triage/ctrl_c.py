"""Ctrl-C while a ``triage`` command starts: the one line "aborted" and exit 130, however often it
is pressed. Standard library only: :mod:`triage.__main__` installs it before the CLI is imported.

Python's own handler raised KeyboardInterrupt at each Ctrl-C and stayed in place while the
command ended, so a second Ctrl-C (pressed again, or a script's ``kill -INT`` sent again) broke
the "aborted" line into a traceback, or came once Python, exiting, had given SIGINT back its
default action and killed the command by the signal (a parent saw returncode -2, not 130). A
command that runs until stopped (``serve``, ``demo``, ``devices listen | simulate``) gives Ctrl-C
to its own stop once started (:data:`STARTING`: the handlers it then replaces)."""

from __future__ import annotations

import signal

CTRL_C_EXIT = 128 + signal.SIGINT
#: this process is the ``triage`` command (:func:`abort_at_start` ran)
_COMMAND = False
#: a Ctrl-C aborted it
_ABORTED = False


def abort_once(_signum: int, _frame: object) -> None:
    """SIGINT's handler while a command starts: the first Ctrl-C aborts it, the later ones are
    ignored while it ends."""
    global _ABORTED
    _ABORTED = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def aborted() -> bool:
    """A Ctrl-C aborted the command (:func:`abort_once`): typer ends it with exit 130 and no word."""
    return _ABORTED


def abort_at_start() -> None:
    """The first thing the ``triage`` command does. Started with Ctrl-C ignored (a script's
    background job) it stays ignored here; the commands that run until stopped take it then."""
    global _COMMAND
    _COMMAND = True
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, abort_once)


def ignore_more() -> None:
    """Ending on a Ctrl-C: a later one is ignored - in the ``triage`` command's process only, not
    in a program (a test) that called :func:`triage.cli.main` itself and goes on after it."""
    if _COMMAND:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


#: SIGINT's handlers while a command starts, which a command's own Ctrl-C handling replaces
#: (``SIG_IGN``: started as a script's background job)
STARTING: tuple[object, ...] = (signal.SIG_IGN, abort_once)
