"""Esc closes the walk-in panel the nurse opened by keyboard: it stayed open (a ``<details>`` has no
key of its own to close), so a nurse who opened it by mistake had to Tab back to its summary and
press Enter, past the fields, on a 360 px phone several screens of them. Now Esc closes it and puts
the focus on its summary, what was typed kept for when it is opened again; Esc in a field of no
open panel does nothing. Keyboard only, in a real Chromium on a real uvicorn server over a real
SQLite file, Chinese at 360 px and English at 768 px."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]


def _open(page: Any) -> bool:
    return bool(page.evaluate("document.getElementById('walk-in').open"))


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement.tagName + '#' + (document.activeElement.name || '')"))


def test_esc_closes_the_walk_in_panel_keeping_what_was_typed(browser: object, desk: Desk) -> None:
    page: Any = None
    for language, width in (("zh", 360), ("en", 768)):
        if page is None:  # one sign-in: it signed in through the login form for each language
            page = log_in(browser, desk, Role.nurse, width, language)
        # to English: the header's switch, which loads the queue again (its walk-in panel closed and
        # empty: what was typed in it was not sent, so no draft of it is kept)
        switched(page, language, width)
        summary = page.locator("#walk-in summary")
        summary.focus()
        page.keyboard.press("Enter")
        assert _open(page), "Enter opens it"
        page.keyboard.press("Tab")
        assert _focused(page) == "INPUT#mrn", _focused(page)
        page.keyboard.type("ESC-KEPT-1")
        page.keyboard.press("Escape")
        assert not _open(page), f"Esc closes the walk-in panel ({language}, {width} px)"
        assert page.evaluate("document.activeElement === document.querySelector('#walk-in summary')")
        page.keyboard.press("Enter")
        assert _open(page)
        assert page.locator("#walk-in input[name=mrn]").input_value() == "ESC-KEPT-1", (
            "what was typed is kept"
        )
    close_tab(page)
