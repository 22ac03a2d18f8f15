"""Debian's Chromium through Playwright, one driver per test process (each pytest-xdist worker).

Playwright's driver (a Node process) and Chromium cost about 1.2 s of CPU and a second of waiting
to start and stop; started per browser module, that was paid 67 times a run. They are started once
(:class:`Driver`, the session fixture ``playwright_driver`` in tests/service/conftest.py) and each
module gets fresh browser contexts of it.

One thing kept that from being done before (b630306c, which went back on d5e8297e): Playwright's
sync API runs its asyncio loop in a greenlet of its own, the *dispatcher*, and after each of its
calls marks that loop as the thread's running loop in the caller's greenlet too (asyncio keeps the
mark per thread). The test's code went on with Playwright's loop marked running, so every later test
that called ``asyncio.run`` (test_associations, test_bad_input, the committer's tests) failed with
"cannot be called from a running event loop" once a browser module had run. Two parts undo that:

- :func:`running_loop_per_greenlet` keeps the mark per greenlet, as asyncio would if a greenlet
  were a thread: a greenlet's mark is put away when it switches out and given back when it
  switches in. Playwright's greenlets see their loop running whenever they run, whatever the
  test's code did with its own mark meanwhile.
- :func:`unmark_driver_loop` (tests/conftest.py calls it before each test) lifts the mark
  Playwright left on the test's greenlet: between Playwright's calls nothing of its loop runs, and
  a test's ``asyncio.run`` finds no loop running, as without a browser.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")

#: what every launch of the tests' Chromium is given (a launch may add its own)
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


#: set once :func:`running_loop_per_greenlet` has installed its trace in this process
_KEPT_PER_GREENLET: list[bool] = []

#: the loops of the Playwright drivers started in this process
_DRIVER_LOOPS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def running_loop_per_greenlet() -> None:
    """From now on, in this thread, asyncio's running-loop mark belongs to the greenlet that set it
    (a greenlet trace function, chained to one already set). A greenlet switched into for the first
    time starts with its switcher's mark: Playwright's dispatcher none (it starts the loop itself),
    the greenlets it runs callbacks in its running loop."""
    import greenlet

    if _KEPT_PER_GREENLET:
        return
    _KEPT_PER_GREENLET.append(True)
    marks: weakref.WeakKeyDictionary[Any, asyncio.AbstractEventLoop | None] = weakref.WeakKeyDictionary()
    before = greenlet.gettrace()

    def switched(event: str, args: Any) -> None:
        if event in ("switch", "throw"):
            origin, target = args
            current = asyncio._get_running_loop()
            marks[origin] = current
            mark = marks.pop(target, current)
            # a loop that stopped meanwhile (the driver's, once stopped) is no longer running
            asyncio._set_running_loop(mark if mark is not None and mark.is_running() else None)
        if before is not None:
            before(event, args)

    greenlet.settrace(switched)


def unmark_driver_loop() -> None:
    """Lift a driver's running-loop mark from the calling greenlet (left there by Playwright after
    each call), where it is the thread's first greenlet (the test's code, not one of Playwright's)."""
    import greenlet

    marked = asyncio._get_running_loop()
    if marked is not None and marked in _DRIVER_LOOPS and greenlet.getcurrent().parent is None:
        asyncio._set_running_loop(None)


class Driver:
    """Playwright started once, and the Chromium most tests share (:meth:`shared`)."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        running_loop_per_greenlet()
        self.playwright: Any = sync_playwright().start()
        _DRIVER_LOOPS.add(self.playwright._loop)
        unmark_driver_loop()
        self._shared: Any = None

    def launch(self, extra: Sequence[str] = (), **options: Any) -> Any:
        """A Chromium of its own (``--host-resolver-rules``, the back-forward cache on, ...)."""
        return self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, *extra], **options)

    def shared(self) -> Any:
        """The Chromium the browser modules share; launched again if it went away (a crash):
        one lost browser fails the module it happened in, not every module after it."""
        if self._shared is None or not self._shared.is_connected():
            self._shared = self.launch()
        return self._shared

    def stop(self) -> None:
        try:
            if self._shared is not None and self._shared.is_connected():
                self._shared.close()
        finally:
            unmark_driver_loop()  # Playwright stops its loop from this greenlet: none may run here
            self.playwright.stop()


def close_tab(page: Any) -> None:
    """Close a test's tab once nothing navigates in it. Chromium acknowledges a close that meets a
    navigation's commit and then drops it (crbug.com/536385539; microsoft/playwright#42068, open in
    Playwright 1.65): ``page.close()``, which waits for the tab to go, then waits for ever. CI at
    759a0d1f hung 300 s in test_browser.py on it - the page closed straight after a language switch's
    form was sent - and the module's demo ended meanwhile. The tab is first taken to about:blank (goto
    waits for its own commit and load, and takes the place of a navigation still under way; once
    more if another commits first), where no script navigates."""
    from playwright.sync_api import Error as PlaywrightError

    if page.is_closed():
        return
    for attempt in range(2):
        try:
            page.goto("about:blank", timeout=30_000)
            break
        except PlaywrightError:  # interrupted by the navigation it raced ("... by another navigation")
            if attempt:
                raise
    page.close()


@contextmanager
def launched(driver: Driver, extra: Sequence[str] = (), **options: Any) -> Iterator[Any]:
    """:meth:`Driver.launch`, closed at the end."""
    browser = driver.launch(extra, **options)
    try:
        yield browser
    finally:
        browser.close()
