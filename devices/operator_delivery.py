"""Which operator list each POCT1-A2 meter still needs: the clinic's file, watched, and what each
meter acknowledged.

One :class:`OperatorListDelivery` per device profile (shared by all its sessions). At each
device status the conversation asks :meth:`OperatorListDelivery.offer` for the list due to that
meter (``DEV.device_id`` of its hello): the operators still certified on that day, and their
digest. It is None when the meter has already acknowledged exactly this list, so a list is sent
once and again only after it changed - the file was edited, or an operator's certification ran
out since. The conversation reports a complete acknowledgement with
:meth:`OperatorListDelivery.acknowledged`.

The acknowledged digests are kept in memory for the gateway's run (no table holds them: durable
storage would need a schema migration). After a restart each meter is sent the list once more,
which is harmless: a complete list replaces what the meter holds.

The file is looked at (size and modification time) at each offer and read again when it changed;
a file that became invalid is logged with its line and column and the last valid list is kept,
so a typo never empties the meters' lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from devices.errors import OperatorListError
from devices.operator_list import Operator, OperatorList, digest, read_operator_list

log = logging.getLogger("devices.operator_list")


@dataclass(frozen=True, slots=True)
class OperatorListOffer:
    """The list due to one meter: the operators still certified, and their digest."""

    operators: tuple[Operator, ...]
    digest: str
    source: str


class OperatorListDelivery:
    """The clinic's operator list file for one profile and the digests its meters acknowledged.
    Reads the file at once: a missing or invalid file is an :class:`OperatorListError`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._file_stamp()
        self.operator_list: OperatorList = read_operator_list(path)
        self._acknowledged: dict[str, str] = {}  # meter -> digest of the list it acknowledged
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

    def offer(self, meter: str, today: date) -> OperatorListOffer | None:
        """The list ``meter`` should be sent on ``today``, or None if it already holds it."""
        self._refresh()
        operators = self.operator_list.current(today)
        due = OperatorListOffer(operators, digest(operators), self.operator_list.source)
        if (self.operator_list, today) != self._described:  # a new file or a new day
            self._described = (self.operator_list, today)
            log.info("%s", self.operator_list.describe(today))
        if self._acknowledged.get(meter) == due.digest:
            return None
        return due

    def acknowledged(self, meter: str, list_digest: str) -> None:
        """``meter`` accepted every message of the list with this digest."""
        self._acknowledged[meter] = list_digest
