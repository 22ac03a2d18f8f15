"""Which operator list each POCT1-A2 meter still needs: the clinic's file, watched, and what each
meter acknowledged.

One :class:`OperatorListDelivery` per device profile (shared by all its sessions) watches the
file: :meth:`OperatorListDelivery.due` is the list due to a meter on a given day (the operators
still certified that day, and their digest). Which list each meter acknowledged is kept behind
:class:`AcknowledgedLists`: in the clinic database when the gateway runs
(``referral.meter_operator_lists.MeterOperatorLists``, so a restarted gateway does not send every
meter its list again), in memory otherwise (:class:`RememberedLists`). The conversation
(``devices.poct1a_conversation``) sends the due list when its digest differs from the one the
meter acknowledged, so a list is sent once and again only after it changed - the file was
edited, or an operator's certification ran out since. It reports a list it begins
(:meth:`AcknowledgedLists.begun`: what the meter holds is unknown until the end is acknowledged)
and a complete acknowledgement (:meth:`AcknowledgedLists.acknowledged`).

The file is looked at (size and modification time) at each offer and read again when it changed;
a file that became invalid is logged with its line and column and the last valid list is kept,
so a typo never empties the meters' lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from devices.errors import OperatorListError
from devices.operator_list import Operator, OperatorList, digest, read_operator_list

log = logging.getLogger("devices.operator_list")


@dataclass(frozen=True, slots=True)
class OperatorListOffer:
    """The list due to one meter: the operators still certified, and their digest."""

    operators: tuple[Operator, ...]
    digest: str
    source: str


class AcknowledgedLists(Protocol):
    """Which operator list each meter (its ``DEV.device_id``) acknowledged completely."""

    def held(self, meter: str) -> str | None:
        """The digest of the list ``meter`` acknowledged, or None when none is known."""
        ...

    def begun(self, meter: str) -> None:
        """A list is being sent to ``meter``: what it holds is unknown until it acknowledged
        the whole list (a refused, unanswered or interrupted list is sent again next time)."""
        ...

    def acknowledged(self, meter: str, digest: str, operators: int) -> None:
        """``meter`` accepted every message of the list with this digest (``operators`` long)."""
        ...


class RememberedLists:
    """:class:`AcknowledgedLists` in memory: forgotten when the process ends (the gateway keeps
    them in the clinic database instead)."""

    def __init__(self) -> None:
        self._held: dict[str, str] = {}  # meter -> digest of the list it acknowledged

    def held(self, meter: str) -> str | None:
        return self._held.get(meter)

    def begun(self, meter: str) -> None:
        self._held.pop(meter, None)

    def acknowledged(self, meter: str, digest: str, operators: int) -> None:
        self._held[meter] = digest


class OperatorListDelivery:
    """The clinic's operator list file for one profile. Reads the file at once: a missing or
    invalid file is an :class:`OperatorListError`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._file_stamp()
        self.operator_list: OperatorList = read_operator_list(path)
        self._described: tuple[OperatorList, date] | None = None  # what was last logged

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _refresh(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self.operator_list = read_operator_list(self.path)
        except OperatorListError as exc:
            log.error("%s; the meters keep the last valid list", exc)

    def due(self, today: date) -> OperatorListOffer:
        """The list a meter should hold on ``today`` (the file read again if it changed)."""
        self._refresh()
        operators = self.operator_list.current(today)
        if (self.operator_list, today) != self._described:  # a new file or a new day
            self._described = (self.operator_list, today)
            log.info("%s", self.operator_list.describe(today))
        return OperatorListOffer(operators, digest(operators), self.operator_list.source)

    def offer(self, meter: str, today: date, lists: AcknowledgedLists) -> OperatorListOffer | None:
        """The list ``meter`` should be sent on ``today``, or None if it already holds it (by
        ``lists``). A meter that did not name itself ('') is always sent the list: two such
        meters behind one dock could not be told apart."""
        due = self.due(today)
        if meter and lists.held(meter) == due.digest:
            return None
        return due
