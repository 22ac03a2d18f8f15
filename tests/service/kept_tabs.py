"""Signed-in pages on a module's `triage demo` (tests/service/test_browser.py's ``demo`` fixture):
:func:`signed_in_to` logs in through the form once per demo and account, :func:`kept` keeps one
tab per account for a module's tests, and :func:`back_in_english` ends a test in English. A module
of its own so that test_browser.py, which holds the fixture, and the modules that import it can
all use them."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Demo:
    url: str
    passwords: dict[str, str]
    process: subprocess.Popen[str]
    data_dir: Path
    #: the cookies of a browser signed in to this demo, per account (:func:`signed_in_to`)
    signed: dict[str, Any] = field(default_factory=dict)


def login(browser: object, demo: Demo, user: str) -> object:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{demo.url}/queue")
    assert "/login" in page.url
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", demo.passwords[user])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue$"))
    return page


def reopened(browser: object, state: Any, url: str, width: int) -> Any:
    """A page of a browser context of its own (no cookie, storage or draft of another test's) given
    a signed-in session's cookies (``storage_state``; None: there is none yet), at the service's
    /queue, ``width`` px wide; None (the context closed) when /queue led to the login page instead:
    the session has ended since (``end_user``, the idle limit)."""
    if state is None:
        return None
    context = browser.new_context(viewport={"width": width, "height": 900}, storage_state=state)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{url}/queue")
    if re.search(r"/queue$", page.url):
        return page
    context.close()
    return None


def signed_in_to(browser: object, demo: Demo, user: str) -> Any:
    """:func:`login`'s page, signed in through the login form once per demo and account: later, a
    page of a browser context of its own (no cookie, storage or draft of another test's) given the
    cookies that first login left (``storage_state``), at /queue at 1280 px. Each real login verifies
    an argon2id hash in the demo and loads two pages more, for tests about the pages they open, not
    the login; a session ended since lands on the login page, and it logs in again. A test that
    switches the page's language (which the session keeps) switches it back, also when it fails."""
    page = reopened(browser, demo.signed.get(user), demo.url, 1280)
    if page is not None:
        return page
    page = login(browser, demo, user)
    demo.signed[user] = page.context.storage_state()  # type: ignore[attr-defined]
    return page


#: :func:`kept`'s tabs, by the demo's URL and the account
_TABS: dict[tuple[str, str], Any] = {}


def kept(browser: object, demo: Demo, user: str) -> Any:
    """``user``'s one tab on a module's demo: :func:`signed_in_to`'s page (a context of its own at
    /queue, 1280 px) once, then that tab again, /queue loaded anew at 1280 x 900 px on screen media
    (a new tab is a new Chromium renderer, a second of CPU with its first page; a page loaded in an
    open tab a tenth of it). What the tab keeps is no test's business: each loads its pages, sends
    what it types, and ends in English (:func:`back_in_english`); a test that changes the tab in a
    way a page load does not undo (Playwright's clock, a listener) takes a tab of its own. A session
    ended since (the login page instead of /queue): signed_in_to's page again. The tab is not closed
    by the test: the module's ``browser`` fixture closes it at the module's end."""
    page = _TABS.get((demo.url, user))
    if page is not None and not page.is_closed():  # (the module's browser closes it at its end)
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{demo.url}/queue")
        if re.search(r"/queue$", page.url):
            return page
        page.context.close()
    page = _TABS[(demo.url, user)] = signed_in_to(browser, demo, user)
    return page


def switch_language(page: Any) -> None:
    """The header's language switch, which leads back to the page it is on."""
    path = urlsplit(page.url).path
    page.locator("header form[action='/language'] button").click()
    page.wait_for_url(re.compile(rf".*{re.escape(path)}$"))


@contextmanager
def back_in_english(page: Any) -> Iterator[None]:
    """The page switched back to English at the end (the session keeps its language for the next
    test, :func:`kept`'s tab included), also when the test fails."""
    try:
        yield
    finally:
        if page.evaluate("document.documentElement.lang") == "zh-CN":
            switch_language(page)
