"""The service's log lines, each stamped with its ISO-8601 UTC time.

``triage serve`` logs to standard error only; under systemd the journal stamps every line, but a
standard error appended to a file (``triage serve 2>>/var/log/clinic-triage.log``, docs/service.md)
kept lines without a time, so nobody could tell when a worker crashed or the log stopped opening.
Every line the primary and its workers write - uvicorn's, the service's own, and the ``clinic
service on ...`` and ``ready: ...`` lines - now starts with ``2026-12-06T07:05:01.123Z`` and a
space, the rest of the line as before.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any


def stamp(now: float | None = None) -> str:
    """``now`` (default: this moment) as ISO-8601 UTC to the millisecond, ``...T07:05:01.123Z``."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stamped(text: str, now: float | None = None) -> str:
    """Every line of ``text`` after the time stamp (a traceback's lines too)."""
    prefix = stamp(now)
    return "\n".join(f"{prefix} {line}" for line in text.split("\n"))


class StampedFormatter(logging.Formatter):
    """The line as it was, after its UTC time; each line of a multi-line message stamped."""

    def format(self, record: logging.LogRecord) -> str:
        return stamped(super().format(record), record.created)


class StampedUvicornFormatter(StampedFormatter):
    """uvicorn's own lines as uvicorn writes them (``INFO:     Started server process [..]``)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return f"{record.levelname + ':':<9} {record.getMessage()}"


def log_config() -> dict[str, Any]:
    """uvicorn's ``log_config``: its loggers and every other one (the service's, the device
    gateway's, the referral log's) through one stamped standard-error handler. Levels are as they
    were: uvicorn's by ``--log-level``, the others warnings and errors (the root's WARNING)."""
    handler = {"class": "logging.StreamHandler", "formatter": "stamped", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "stamped": {"()": f"{__name__}.StampedFormatter"},
            "uvicorn": {"()": f"{__name__}.StampedUvicornFormatter"},
        },
        "handlers": {"stderr": handler, "uvicorn": handler | {"formatter": "uvicorn"}},
        "loggers": {
            "uvicorn": {"handlers": ["uvicorn"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["uvicorn"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
