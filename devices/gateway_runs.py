"""Runs of bad input in one gateway session (``devices.gateway``): the stray bytes it quarantines
one row a run, and whole messages quarantined one after another for one reason, one warning a run."""

from __future__ import annotations

from devices.session import Junk


class StrayRun:
    """The run of stray bytes a session is in, for one reason: its row, and where the run ends in
    the session's stream - stray bytes that do not start there are another run (a good frame the
    gateway stores nothing of, an HL7 ACK or a POCT1-A2 hello, lay between them)."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.quarantine_id: int | None = None
        self.size = 0  # bytes in the row
        self.end_offset: int | None = None  # the stream byte after the run's last byte
        #: the reason of the messages quarantined whole one after another, none stored between: a
        #: line device at the wrong baud rate sends nothing else, a line a second
        self.quarantined: str | None = None

    def end(self) -> None:
        self.reason, self.quarantine_id, self.size, self.end_offset = None, None, 0, None

    def goes_on(self, junk: Junk) -> bool:
        """Whether ``junk`` continues the run: the same reason, right where the run ends."""
        return (
            self.quarantine_id is not None and self.reason == junk.reason and self.end_offset == junk.offset
        )

    def quarantined_again(self, reason: str | None) -> bool:
        """Note the message just decoded (``reason``: why it was quarantined whole, None when it was
        stored) and say whether it goes on a run of such messages: said once, counted each."""
        again = reason is not None and reason == self.quarantined
        self.quarantined = reason
        return again
