"""Text contrast on the pages staff read all day, measured in a real Chromium (WCAG 2.x AA: 4.5:1,
3:1 for large text - 24 px, or 18.66 px bold): every element with text of its own on the queue, a
patient's page, the referrals, devices and find-a-patient pages, against the background it is
drawn on, in Chinese and English. The urgent referral's badge, white on orange (#e65100), was 3.8:1."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_daily_flow import LOW_SPO2
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

LOW_CONTRAST = r"""() => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    if (ratio < needed) found.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1 (${style.color} on ${background(el)})`);
  }
  return found;
}"""


def test_the_text_staff_read_has_enough_contrast(browser: object, desk: Desk) -> None:
    urgent = desk.api(
        Role.nurse, "/assessments", {"patient": {"mrn": "CONTRAST-1"}, "observations": LOW_SPO2}
    )
    desk.api(Role.nurse, "/assessments", WALK_IN)
    page: Any = log_in(browser, desk, Role.clinician, 1280, "zh")
    for language in ("zh", "en"):
        switched(page, language, 1280)  # (signed in once: the language switch for English)
        for path in (
            "/queue",
            f"/encounters/{urgent['encounter_id']}",
            "/referrals",
            "/devices",
            "/patients?mrn=CONTRAST-1",
        ):
            page.goto(f"{desk.url}{path}")
            low = page.evaluate(LOW_CONTRAST)
            assert not low, f"{path} ({language}): text below the contrast it needs: {low}"
    close_tab(page)
