"""Waiting for a log line another thread writes: a service's line about a failed request is written
after its answer is sent (``triage.service.api.faults``: an API fault's 500 first, then the line
and its traceback), so a test that read the records as soon as it had the answer could find none
yet. :func:`awaited` waits on the record itself, with a generous deadline: a wait, not a measure
of time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.service.conftest import HTTP_TIMEOUT_S

Wanted = Callable[[logging.LogRecord], bool]


class Awaited(logging.Handler):
    """Keeps every record its logger passes, from any thread; :meth:`wait_for` one."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        self._changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self._changed:
            self.records.append(record)
            self._changed.notify_all()

    def wait_for(self, wanted: Wanted, timeout_s: float = HTTP_TIMEOUT_S) -> list[logging.LogRecord]:
        """The records ``wanted`` picks, once there is one; AssertionError after ``timeout_s``."""
        with self._changed:
            if not self._changed.wait_for(lambda: any(wanted(r) for r in self.records), timeout_s):
                said = [r.getMessage() for r in self.records]
                raise AssertionError(f"no such log line within {timeout_s:g} s; logged: {said}")
            return [r for r in self.records if wanted(r)]


@contextmanager
def awaited(name: str) -> Iterator[Awaited]:
    """The records of the logger ``name`` (at the level in force: ``caplog.at_level``) while inside."""
    logger = logging.getLogger(name)
    handler = Awaited()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
