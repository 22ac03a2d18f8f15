"""A signed-in page taken to another language and width by the page's own language switch.

A browser test that checks one role's page in each language signed that role in through the login
form once per language - a new browser context, the login page, an argon2id verify (a quarter of a
second of CPU, seconds on a loaded two-core machine) and the queue - where the same session shows
the other language after the header's switch (which changes the session's language and the
account's, as staff do; what log_in's ``set_language`` did before its login). A test about logging
in, or about a page in a browser of its own (no draft or storage of another case), signs in anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.service.test_browser_desk import CALM, Desk, log_in, signed_in
from triage.service.auth import Role

#: the ``lang`` of a page's root element in each language (templates/base.html)
LANG = {"zh": "zh-CN", "en": "en"}

#: :func:`kept_tab`'s tabs, by the service's URL and the role
_TABS: dict[tuple[str, Role], Any] = {}


def switched(page: Any, language: str, width: int) -> None:
    """``page``, signed in, on screen media at ``width`` px (900 high, as log_in opens it) and in
    ``language``: switched by the header's language switch when it was in the other one, which
    leads back to the page it was on."""
    page.emulate_media(media="screen")  # (a page emulating print hides the header; a new page is on screen)
    page.set_viewport_size({"width": width, "height": 900})
    if page.evaluate("document.documentElement.lang") != LANG[language]:
        with page.expect_navigation():
            page.locator("header form[action='/language'] button").click()
    assert page.evaluate("document.documentElement.lang") == LANG[language], page.url


def switched_patient_pages(
    browser: object, desk: Desk, mrn: str, role: Role, *, own_tab: bool = False
) -> Iterator[tuple[str, int, Any, dict[str, Any]]]:
    """test_browser_desk's ``patient_page`` twice - a calm walk-in in Chinese at 360 px, then one in
    English at 768 px (its record number ``mrn`` and the language): (language, width, page,
    assessment) - with ``role`` signed in through the login form once, the English page the same
    page :func:`switched`. ``own_tab``: the English page in a browser context of its own (no
    cookie but the session's, an empty ``sessionStorage``: what the Chinese page kept - drafts -
    is not there), given the session the Chinese page ended with - a sign-in of the test's own
    (after ``end_user``) included."""
    page: Any = None
    for language, width in (("zh", 360), ("en", 768)):
        made = desk.api(
            Role.nurse, "/assessments", {"patient": {"mrn": f"{mrn}-{language}"}, "observations": CALM}
        )
        if page is None:
            page = log_in(browser, desk, role, width, language)
        elif own_tab:
            session = page.context.storage_state()
            page.context.close()
            page = browser.new_context(  # type: ignore[attr-defined]
                viewport={"width": width, "height": 900}, storage_state={"cookies": session["cookies"]}
            ).new_page()
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        switched(page, language, width)  # (which leads back to the patient's page)
        yield language, width, page, made
    page.context.close()


def kept_tab(browser: object, desk: Desk, role: Role, width: int) -> Any:
    """The one tab ``role`` has on ``desk``'s service for a module's tests: ``signed_in``'s page (the
    login form once, in English), then that same page again for every later call, on screen media
    at ``width`` px (900 high) on whatever page it was left on - go to yours, then :func:`switched`
    to its language (the switch keeps the session in that language: the next test switches back).
    A new tab, even in a context already signed in, is a new Chromium renderer process: about a
    second of CPU with its first page, where a page loaded in an open tab costs 0.2-0.5 s. What a
    tab keeps between tests - its history, and the drafts app.js keeps in its sessionStorage per
    page and form address - is no test's business where each test opens pages of its own records.
    Not for a test that ends the session, or needs an empty history or a tab of its own."""
    page = _TABS.get((desk.url, role))
    if page is None or page.is_closed():  # (the module's browser closes its contexts at its end)
        page = _TABS[(desk.url, role)] = signed_in(browser, desk, role, width, "en")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": width, "height": 900})
    return page
