"""The queue's urgent-count banner is announced when the count changes, not on every live refresh:
it was a ``role=alert`` inside the live fragment, redrawn - a new alert node - each time any visit
changed, so a screen reader could say "1 urgent case needs attention now" again and again while
nothing urgent had changed. Now the alert stands outside the refreshed rows and its words change
only when the count does. A real Chromium on a real uvicorn server over a real SQLite file; the
refreshes are the page's own (server-sent events as visits are stored over the API)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

# every alert of the page, each marked (a property a redrawn node does not carry), and a watcher
# of every change under it; answers the marked alerts' words
WATCH = """() => {
  window.__changes = [];
  const seen = [];
  for (const el of document.querySelectorAll('[role=alert], [aria-live=assertive]')) {
    el.__watched = true;
    new MutationObserver(r => window.__changes.push(...r.map(m => m.type)))
      .observe(el, {childList: true, subtree: true, characterData: true, attributes: true});
    seen.push(el.textContent.trim());
  }
  return seen;
}"""
# the alerts now in the page: their words, and whether each is a node WATCH marked
ALERTS = """() => [...document.querySelectorAll('[role=alert], [aria-live=assertive]')]
  .filter(el => !el.hidden && el.textContent.trim())
  .map(el => [el.textContent.trim(), el.__watched === true])"""


def test_the_urgent_count_is_announced_when_it_changes_not_on_each_refresh(
    browser: object, desk: Desk
) -> None:
    desk.api(Role.nurse, "/assessments", WALK_IN | {"patient": {"mrn": "URGENT-1"}})
    page: Any = log_in(browser, desk, Role.nurse, 1280, "en")
    one = "1 urgent case needs attention now"
    expect(page.locator(".alert-urgent")).to_contain_text(one)
    assert [words for words in page.evaluate(WATCH) if one in words], "the count is an alert"
    # another visit, nothing urgent: the rows are read again, the count stays 1
    calm = desk.api(Role.nurse, "/assessments", {"patient": {"mrn": "CALM-1"}, "observations": CALM})
    expect(page.locator(f"tr[data-encounter='{calm['encounter_id']}']")).to_be_visible(timeout=20_000)
    alerts = page.evaluate(ALERTS)
    assert [[w, marked] for w, marked in alerts if one in w] == [[f"⚠\ufe0e {one}", True]], (
        f"a refresh with the same count redrew the alert: {alerts}"
    )
    assert page.evaluate("window.__changes") == [], "a refresh with the same count changed the alert"
    # a second urgent patient: the alert says so (its words change, so it is announced)
    urgent = desk.api(Role.nurse, "/assessments", WALK_IN | {"patient": {"mrn": "URGENT-2"}})
    expect(page.locator(f"tr[data-encounter='{urgent['encounter_id']}']")).to_be_visible(timeout=20_000)
    expect(page.locator("[role=alert]", has_text="2 urgent cases need attention now")).to_be_visible(
        timeout=20_000
    )
    assert page.evaluate("window.__changes"), "the new count was written into the alert"
    close_tab(page)
