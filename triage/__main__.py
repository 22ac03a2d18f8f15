"""The ``triage`` console script and ``python -m triage``: the CLI, with Ctrl-C during its start.

Importing :mod:`triage.cli` (typer, the referral log's errors) and then the command run takes a
good part of a second.
A Ctrl-C in that time came before :func:`triage.cli.main` could catch it, so it printed a
KeyboardInterrupt traceback and ended by SIGINT; here it ends as a Ctrl-C in a command does: one
line, "aborted", and exit 130 (128 + SIGINT). Only the standard library is imported before."""

from __future__ import annotations

import signal
import sys

CTRL_C_EXIT = 128 + signal.SIGINT


def main() -> int:
    try:
        from triage.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("aborted\n")
        sys.stderr.flush()
        return CTRL_C_EXIT
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
