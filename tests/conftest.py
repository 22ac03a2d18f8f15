"""Fixtures for the whole suite.

No test starts just before a midnight. The clinic's day is a local date: a patient has one open
visit a day (``encounters.day``), the queue is today's, device results join the day's visit,
pages show a time alone when it is today, ages count from the birth date to today. A test that
opens a visit at 23:59:59.9 and looks it up at 00:00:00.1 finds none; a suite run at any hour of
any day, in any time zone, must not fail for that. Every day-dependent test here takes seconds,
so a test that would start within :data:`MIDNIGHT_MARGIN_S` before a midnight - the machine's
local one (the service's default zone), Beijing's (the demo, the simulated devices and the
profiles' zone) or UTC's (staff actions, exports) - first waits until that midnight has passed.
That costs at most :data:`MIDNIGHT_MARGIN_S` seconds, only in a run that crosses a midnight.

Values taken at import time (``TODAY = datetime.now()`` in a module) are not covered: the suite
runs for minutes after collection. Take "now" inside the test or fixture instead.

A suite started in the background by a script (``pytest ... &`` in a non-interactive shell)
inherits SIGINT ignored, and so do the processes the tests start: ``triage serve`` then stopped
on the tests' Ctrl-C but exited 0, not 130, as its re-raised SIGINT was ignored. The suite takes
Python's own Ctrl-C handling back at start (:func:`pytest_configure`), as a terminal has it.

No property test is timed. Hypothesis fails an example that runs longer than its ``deadline``
(200 ms unless the test says otherwise) and, when the same example then replays in time, the test
with "Flaky: Unreliable test timings"; on a busy 2-core machine one example paused for a quarter of
a second is enough. The suite's Hypothesis profile (:data:`HYPOTHESIS_PROFILE`) has no deadline and
does not count slow data generation (``HealthCheck.too_slow``) as a failure; a test's own
``settings`` still choose its budget (``max_examples``).

The tests' temporary folders (``tmp_path``, ``tmp_path_factory``) are on the machine's memory
filesystem, /dev/shm, when it is a tmpfs with room to spare (:func:`memory_temp_root`): the referral
log runs WAL with ``synchronous=FULL``, so every commit of the suite waited for the disk's
fsync - 5.5 ms a commit on the loaded 2-core VM against 0.01 ms on the tmpfs, and
tests/referral took 742 s on the disk against 450 s there. The files are the same real SQLite
files, written by the same code; only the wait for the platter goes (nothing in a test can see a
power loss). ``PYTEST_DEBUG_TEMPROOT=/tmp`` (or ``--basetemp``) puts them back on the disk; the
product's own temporary folders (``tempfile``) are not moved.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings

from tests.service.chromium import unmark_driver_loop

MIDNIGHT_MARGIN_S = 30.0

#: free room the memory filesystem must have for the tests' temporary folders to go there: pytest
#: keeps its last three runs' folders (the largest run's seen on the build VM: 0.9 GiB)
MEMORY_ROOM_BYTES = 8 << 30


def memory_temp_root(mounts: str, free_bytes: int, root: str = "/dev/shm") -> str | None:
    """``root`` if ``mounts`` (the text of /proc/mounts) shows a tmpfs mounted there and it has
    :data:`MEMORY_ROOM_BYTES` free; None otherwise (a container's 64 MiB /dev/shm, no tmpfs)."""
    tmpfs = any(line.split()[1:3] == [root, "tmpfs"] for line in mounts.splitlines() if line.strip())
    return root if tmpfs and free_bytes >= MEMORY_ROOM_BYTES else None


def machine_memory_root(root: str = "/dev/shm") -> str | None:
    """:func:`memory_temp_root` of this machine's /dev/shm (None where it cannot be read)."""
    if not os.access(root, os.W_OK | os.X_OK):
        return None
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            text = mounts.read()
        room = os.statvfs(root)
    except OSError:
        return None
    return memory_temp_root(text, room.f_bavail * room.f_frsize, root)


#: the temporary root the run was given from outside (PYTEST_DEBUG_TEMPROOT), which is kept
TEMP_ROOT_GIVEN = os.environ.get("PYTEST_DEBUG_TEMPROOT")
if TEMP_ROOT_GIVEN is None and (_memory := machine_memory_root()):
    os.environ["PYTEST_DEBUG_TEMPROOT"] = _memory

HYPOTHESIS_PROFILE = "clinic-triage"
settings.register_profile(HYPOTHESIS_PROFILE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(HYPOTHESIS_PROFILE)


ZONES: tuple[tzinfo | None, ...] = (None, ZoneInfo("Asia/Shanghai"), UTC)


def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Each test starts with no asyncio loop marked running by the browser tests' Playwright driver
    (tests/service/chromium.py): its own ``asyncio.run`` works after a browser module too."""
    unmark_driver_loop()


def seconds_to_midnight(now: datetime, zone: tzinfo | None) -> float:
    """Seconds from ``now`` (aware) to the next midnight in ``zone`` (None: the machine's zone)."""
    local = now.astimezone(zone)
    next_day = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
    midnight = next_day.astimezone() if zone is None else next_day.replace(tzinfo=zone)
    return midnight.timestamp() - now.timestamp()


def wait_past_midnight(
    now: datetime, margin_s: float = MIDNIGHT_MARGIN_S, zones: tuple[tzinfo | None, ...] = ZONES
) -> float:
    """How long to wait so that no day changes in the next ``margin_s`` seconds in any of
    ``zones``; 0 when none is that close."""
    soonest = min(seconds_to_midnight(now, zone) for zone in zones)
    return soonest + 0.5 if soonest < margin_s else 0.0


@pytest.fixture(autouse=True)
def _not_across_midnight() -> None:
    pause = wait_past_midnight(datetime.now(UTC))
    if pause:
        time.sleep(pause)


@contextmanager
def machine_zone(name: str) -> Iterator[None]:
    """Run as if the machine's zone were ``name`` (``TZ``), then put the zone back."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
