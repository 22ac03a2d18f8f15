"""``triage`` as a line the CLI or the service suggests names it: the command that runs, so that the
line runs when pasted. Apart from ``triage.cli`` (which builds every command when imported) so that
the service's messages name it too."""

from __future__ import annotations

import logging
import shlex
import shutil
import sys
from pathlib import Path


def triage_command() -> str:
    """``triage`` as the user runs it from where this one was started: ``triage`` when the PATH finds
    this one, else its path as it was started (``.venv/bin/triage``, as `make run` starts it: a fresh
    clone's shell has no venv on its PATH, so a pasted ``triage ...`` was "command not found")."""
    ran = Path(sys.argv[0])
    if ran.name != "triage" or not ran.is_file():  # python -m triage, or within another program
        return "triage"
    found = shutil.which("triage")
    if found is not None and Path(found).resolve() == ran.resolve():
        return "triage"
    return shlex.quote(str(ran))


def runnable(text: str) -> str:
    """``text`` with each command it quotes (`` `triage ...` ``, as the referral log's messages write
    them: that layer knows no command) naming :func:`triage_command` - ``.venv/bin/triage`` when the
    PATH would not find the one that runs."""
    command = triage_command()
    return text if command == "triage" else text.replace("`triage ", f"`{command} ")


class _RunnableHints(logging.Filter):
    """A log record's message passed through :func:`runnable` (the referral log's own lines, which
    know no command: an upgrade's `` `triage referrals verify-audit` ``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = runnable(record.getMessage()), None
        return True


#: the loggers of the layers below whose lines quote a command
HINTING_LOGGERS = ("referral.backup",)


def runnable_hints() -> None:
    """Pass :data:`HINTING_LOGGERS`' lines through :func:`runnable` (once, however often called)."""
    for name in HINTING_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RunnableHints) for f in logger.filters):
            logger.addFilter(_RunnableHints())
