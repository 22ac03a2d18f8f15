"""The files of a folder this test process has open, read from /proc (Linux): a connection left
open after a command or a benchmark's step ended shows there, where on Python 3.11 no
ResourceWarning says it. :func:`collector_off` keeps a garbage collection from closing it first."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ON_LINUX = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process's open files from /proc/self/fd"
)


def open_under(folder: Path) -> list[str]:
    """The names of the files under ``folder`` this process has open."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if target.startswith(f"{folder}{os.sep}"):
            found.append(Path(target).name)
    return sorted(found)


@contextmanager
def collector_off() -> Iterator[None]:
    """No garbage collection inside: what is still open was left open, not yet collected."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
