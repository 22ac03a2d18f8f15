"""What a long check of the referral log is doing, said on a terminal: `triage referrals
verify-audit` and `backup` read the whole log (a year of a busy clinic: 276,000 audit entries, a
gigabyte).

One line on standard error, rewritten as the check goes on and cleared before the result is
printed, only when standard error is a terminal: a timer's or crontab's run (whose output is
mailed or logged) and a pipe get nothing more than before."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

_CLEAR = "\r\x1b[K"  # back to the start of the line, and erase it


class CheckProgress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        try:
            self.shown = self.stream.isatty()
        except (AttributeError, ValueError):  # a closed or unusual stream: say nothing
            self.shown = False
        self._said = False

    def __enter__(self) -> CheckProgress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.done()

    def stage(self, what: str) -> None:
        """A step of a backup: ``what`` it is doing (copying the log, checking the copy's integrity)."""
        self._say(what)

    def entries(self, done: int) -> None:
        """The audit chain: ``done`` entries checked so far."""
        self._say(
            f"checking the audit chain: {done:,} entries so far" if done else "checking the audit chain"
        )

    def table(self, name: str) -> None:
        """The tables against the trail: ``name`` is being compared."""
        self._say(f"checking the tables against the audit trail: {name}")

    def done(self) -> None:
        """Clear the line (the result is printed where it was)."""
        if self._said:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self._said = False

    def _say(self, text: str) -> None:
        if self.shown:
            self.stream.write(f"{_CLEAR}{text} ...")
            self.stream.flush()
            self._said = True
