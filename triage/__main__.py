"""The ``triage`` console script and ``python -m triage``: the CLI, with Ctrl-C during its start.

Importing :mod:`triage.cli` (typer, the referral log's errors) and then the command run takes a
good part of a second.
A Ctrl-C in that time came before :func:`triage.cli.main` could catch it, so it printed a
KeyboardInterrupt traceback and ended by SIGINT; here it ends as a Ctrl-C in a command does: one
line, "aborted", and exit 130 (128 + SIGINT) - a second Ctrl-C while it ends is ignored
(:mod:`triage.ctrl_c`). Only the standard library is imported before."""

from __future__ import annotations

import sys

from triage.ctrl_c import CTRL_C_EXIT, abort_at_start, ignore_more


def main() -> int:
    abort_at_start()
    try:
        from triage.cli import main as cli_main
    except KeyboardInterrupt:
        ignore_more()
        sys.stderr.write("aborted\n")
        sys.stderr.flush()
        return CTRL_C_EXIT
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
