"""The browser tests' one Playwright driver per test process (tests/service/chromium.py) leaves the
other tests an asyncio as without it: a test after a browser test runs its own ``asyncio.run``
(once failed with "cannot be called from a running event loop", b630306c), and the browser works
again after that loop came and went (its driver's loop was not disturbed). The tests run in this order in one process (pytest keeps a
module's order; ``--dist loadfile`` keeps a module in one worker)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.service.test_browser import browser, pytestmark

__all__ = ["browser", "pytestmark"]

PAGE = "data:text/html,<title>{}</title><p>a page of no server</p>"


def _title(browser: Any, text: str) -> str:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(PAGE.format(text))
        return str(page.title())
    finally:
        context.close()


async def _round_trip() -> str:
    """Work that needs the loop to run: a task, a sleep and a thread's answer."""
    task = asyncio.create_task(asyncio.sleep(0.01, "slept"))
    answer = await asyncio.to_thread(lambda: "threaded")
    return f"{await task} {answer}"


def test_a_browser_test_first(browser: Any) -> None:
    assert _title(browser, "first") == "first"


def test_then_a_test_of_its_own_event_loop() -> None:
    assert asyncio.run(_round_trip()) == "slept threaded"


def test_then_the_browser_again(browser: Any) -> None:
    assert _title(browser, "again") == "again"
