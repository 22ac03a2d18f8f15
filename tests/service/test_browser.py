"""The staff pages in a real Chromium against `triage demo` (real uvicorn, gateway, simulated devices).

One demo process serves every browser test in this module; it is stopped with SIGINT (Ctrl-C) at
the end and must exit as Ctrl-C makes it (130), without a traceback. The tests that need a signed-in
page share one tab per account (tests/service/kept_tabs.kept), each loading its own pages in it;
the one that installs Playwright's clock takes a tab of its own.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ports import LISTENING
from tests.service.chromium import CHROMIUM, close_tab
from tests.service.conftest import SERVER_WAIT_MS
from tests.service.kept_tabs import Demo, back_in_english, kept, signed_in_to, switch_language

ROOT = Path(__file__).resolve().parents[2]
# The committed screenshot is refreshed only on request: UPDATE_SCREENSHOTS=1 pytest tests/service
SCREENSHOT = ROOT / "docs" / "screenshots" / "queue-urgent.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="chromium not installed: run `make test` as root (installs Debian's chromium) or `apt-get install chromium`",
    ),
]


#: How long the demo may take to start (its accounts' argon2 hashes, the models, three simulated
#: devices) and to stop on Ctrl-C: 20 s at a load of 19; 30 s was exceeded with both test workers
#: starting one on a loaded 2-core machine, and every test of the module failed in its setup.
DEMO_START_S = 120

#: The demo's --seconds, after which it ends by itself: a safety net only, for a demo whose module
#: never reached its teardown (pytest killed), which stops it with Ctrl-C. It was 170 s, which a
#: module's tests on a slow CI machine could outlast - every test after that found no server
#: (connection refused). An hour is longer than a module's tests can take: pytest-timeout's 300 s
#: for each of at most 12 tests in a module that starts this demo.
DEMO_SAFETY_S = 3600


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "TRIAGE_SERVICE__DEFAULT_LANGUAGE": "en"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("triage")),
            # --port 0: any free port, the URL it prints names it
            *["demo", "--port", "0", "--interval", "1.5", "--close-after", "5"],
            *["--seconds", str(DEMO_SAFETY_S)],
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    passwords: dict[str, str] = {}
    url = ""
    assert process.stdout is not None
    deadline = time.monotonic() + DEMO_START_S
    for line in process.stdout:
        match = re.match(r"^(?:\S+Z)?\s+(admin|doctor|nurse)\s+(\S+)$", line)  # after its UTC time
        if match:
            passwords[match.group(1)] = match.group(2)
        listening = LISTENING.search(line)
        if listening is not None:
            url = f"http://127.0.0.1:{listening[1]}"
        if listening is not None or time.monotonic() > deadline:
            break
    if set(passwords) != {"admin", "doctor", "nurse"} or not url:
        process.kill()
        pytest.fail(f"the demo did not print its accounts: {process.communicate(timeout=10)[1][-2000:]}")
    yield Demo(url, passwords, process, data_dir)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=DEMO_START_S)
    assert process.returncode == 130, err  # stopped by Ctrl-C: 128 + SIGINT, as triage serve (60f4ff1)
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Iterator[object]:
    """The Chromium the browser modules share (``chromium`` in conftest.py: one per test process);
    the pages a module opened are closed when it ends, so the next module starts with none."""
    yield chromium
    for context in list(chromium.contexts):
        context.close()


def wait_until(condition: object, timeout_s: float) -> None:
    """Poll ``condition`` (the page's CSP forbids Playwright's eval-based wait_for_function)."""
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"condition not met within {timeout_s} s"
        time.sleep(0.2)


def laid_out_box(page: object, selector: str) -> dict[str, float]:
    """The first ``selector`` element's box once it is laid out: the live queue re-renders as the
    demo's patients come and go, and ``bounding_box`` is None while an element is replaced."""
    boxes: list[dict[str, float]] = []

    def measured() -> bool:
        found = page.locator(selector).first  # type: ignore[attr-defined]
        box = found.bounding_box(timeout=2000) if found.count() else None
        boxes[:] = [box] if box is not None else []
        return bool(boxes)

    wait_until(measured, 30)
    return boxes[0]


def test_device_results_arrive_live_and_urgent_cases_are_on_top(
    browser: object, demo: Demo, tmp_path: Path
) -> None:
    page = kept(browser, demo, "doctor")
    rows = page.locator("table.queue tbody tr")  # type: ignore[attr-defined]
    before = rows.count()
    # No reload: the page must update itself over server-sent events as devices send results.
    wait_until(lambda: rows.count() > before, SERVER_WAIT_MS / 1000)
    page.wait_for_selector("tr.urgent", timeout=30000)
    first = rows.first
    assert "urgent" in (first.get_attribute("class") or "")
    assert first.get_attribute("data-disposition") in ("emergency_transfer", "urgent_referral")
    text = first.inner_text()
    assert "⚠" in text and ("EMERGENCY TRANSFER" in text or "URGENT REFERRAL" in text)
    assert page.locator(".alert-urgent").is_visible()
    assert page.locator(".synthetic").is_visible(), "demo data is labelled as synthetic"
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path / SCREENSHOT.name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000


def test_confirm_referral_override_with_reason_and_see_it_listed(browser: object, demo: Demo) -> None:
    page = kept(browser, demo, "doctor")
    page.wait_for_selector("tr.urgent", timeout=30000)
    # An urgent device result proposes a referral; the clinician confirms it.
    proposed = page.locator("tr.urgent", has=page.locator(".s-proposed"))
    wait_until(lambda: proposed.count() > 0, 30)
    row = proposed.first
    encounter = row.get_attribute("data-encounter")
    row.locator("a").first.click()
    page.wait_for_url(re.compile(rf".*/encounters/{encounter}$"))
    assert page.locator("#decision.urgent").is_visible()
    assert page.locator("ul.reasons li").count() > 0, "the decision shows its reasons"
    page.click("button[name=status][value=sent]")
    page.wait_for_selector("#encounter-referrals .s-sent")
    # Override: the reason is required (the browser refuses an empty one), then recorded.
    page.select_option("#override-form select[name=disposition]", "emergency_transfer")
    page.click("#override-form button[type=submit]")
    assert page.url.endswith(f"/encounters/{encounter}"), "empty reason: the form is not sent"
    page.fill("#override-form textarea[name=reason]", "Patient looks worse in person")
    page.click("#override-form button[type=submit]")
    page.wait_for_selector("text=Patient looks worse in person")
    page.click("header nav a[href='/referrals']")
    listed = page.locator("tr[data-referral]", has=page.locator(f"a[href='/encounters/{encounter}']"))
    assert listed.count() >= 1
    assert "Sent" in listed.first.inner_text()


def test_nurse_cannot_confirm_and_device_panel_shows_links(browser: object, demo: Demo) -> None:
    page = kept(browser, demo, "nurse")
    page.goto(f"{demo.url}/devices")
    page.wait_for_selector("tr[data-device=demo-monitor]")
    assert page.locator("tr[data-device] .up").count() == 3, "all three simulated links are up"
    page.goto(f"{demo.url}/queue")
    page.wait_for_selector("table.queue tbody tr")
    page.locator("table.queue tbody tr a").first.click()
    assert page.locator("#override-form").count() == 0
    assert page.locator("button[name=status][value=sent]").count() == 0


def test_demo_nurse_attaches_the_oximeter_and_a_nurse_detaches_it(browser: object, demo: Demo) -> None:
    page = kept(browser, demo, "nurse")
    page.goto(f"{demo.url}/devices")
    row = page.locator("tr[data-device=demo-oximeter]")
    link = row.locator("td.attached a")
    wait_until(lambda: link.count() > 0, SERVER_WAIT_MS / 1000)
    assert "demo-nurse" in row.inner_text(), "the demo simulates the nurse who attached it"
    href = str(link.first.get_attribute("href"))
    assert re.fullmatch(r"/encounters/\d+", href)
    page.goto(f"{demo.url}{href}")
    assert page.locator("#attach-form select[name=device_id] option[value=demo-oximeter]").count() == 1

    def oximeter_reading_shown() -> bool:
        page.reload()
        return page.locator("td", has_text="demo-oximeter").count() >= 2

    wait_until(oximeter_reading_shown, SERVER_WAIT_MS / 1000)  # SpO2 and pulse, recorded for this patient
    page.goto(f"{demo.url}/devices")
    attached_now = str(row.locator("td.attached a").first.get_attribute("href"))
    row.locator("button", has_text="Detach").click()
    page.wait_for_url(re.compile(r".*/devices$"))
    # Detached; the demo's nurse attaches it to the NEXT patient a moment later, never this one.
    after = row.locator("td.attached a")
    assert after.count() == 0 or after.first.get_attribute("href") != attached_now


def hold_unmapped_result(demo: Demo, sample: str) -> int:
    """An analyzer result with a code the vocabulary does not map, stored in the running demo's
    referral log by another process (as a second gateway would): held at once for a person."""
    from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message
    from referral.schema import connect

    db = connect(demo.data_dir / "demo-clinic.db", migrate=False)
    try:
        result = NewDeviceResult(
            device_id="browser-analyzer",
            sample_id=sample,
            vendor_code="XYZ-UNMAPPED",
            result_time="2026-11-25T09:00:00+08:00",
            status="final",
            is_qc=False,
            code=None,
            value="7.4",
            value_num=7.4,
            unit="mmol/L",
        )
        message = NewDeviceMessage(
            device_id="browser-analyzer", session_id=sample, protocol="astm", raw=b"H|"
        )
        (stored,) = record_message(db, message, [result]).new_results
        return stored.id
    finally:
        db.close()


#: app.js: the held results section is read again every 5 s unless someone is working in it
HELD_REFRESH_MS = 5000

#: counts, in ``window.__heldAsked``, each request the held section makes from now on (htmx fires
#: ``htmx:beforeRequest`` on the section as it sends one, inside the timer's own call)
COUNT_HELD_REQUESTS = """() => {
  window.__heldAsked = 0;
  document.addEventListener('htmx:beforeRequest', (e) => { if (e.target.id === 'held') window.__heldAsked++; });
}"""


def test_held_results_appear_live_but_never_while_a_nurse_is_typing(browser: object, demo: Demo) -> None:
    """The section's timer runs on Playwright's clock: a refresh period is run through while a
    reason is typed - every call of the timer in it has run when ``run_for`` returns - and the
    section asks for nothing; once the reason is gone and the focus has left, the next period reads
    it again. (It slept 7 s, which need hold no call of the timer on a busy machine: with the
    check broken it could still pass.)"""
    page: Any = signed_in_to(browser, demo, "nurse")
    page.clock.install()
    page.goto(f"{demo.url}/devices")
    page.wait_for_selector("section#held")
    first = hold_unmapped_result(demo, "BROWSER-1")
    row = page.locator(f"tr[data-result='{first}']")
    wait_until(lambda: row.count() == 1, SERVER_WAIT_MS / 1000)  # without a reload
    reason = row.locator(".dismiss-form input[name=reason]")
    reason.fill("half-typed reason")
    second = hold_unmapped_result(demo, "BROWSER-2")
    page.evaluate(COUNT_HELD_REQUESTS)
    page.clock.run_for(2 * HELD_REFRESH_MS)
    assert page.evaluate("window.__heldAsked") == 0, "the section waits while a reason is typed"
    assert page.locator(f"tr[data-result='{second}']").count() == 0
    assert reason.input_value() == "half-typed reason", "what the nurse typed is kept"
    reason.fill("")
    page.locator("h1").click()  # focus leaves the section
    page.clock.run_for(HELD_REFRESH_MS)
    assert page.evaluate("window.__heldAsked") >= 1, "read again once nobody works in it"
    wait_until(lambda: page.locator(f"tr[data-result='{second}']").count() == 1, SERVER_WAIT_MS / 1000)
    close_tab(page)  # (a tab of its own: kept's would keep the clock installed)


def test_api_docs_render_offline_under_the_content_security_policy(browser: object, demo: Demo) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{demo.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Clinic triage service" in page.inner_text(".swagger-ui .info .title")
    assert all(url.startswith(demo.url) for url in requested), "nothing is loaded from another host"
    close_tab(page)


def test_each_score_says_why_on_its_own_line_under_it_on_a_phone(browser: object, demo: Demo) -> None:
    page = kept(browser, demo, "doctor")
    page.wait_for_selector("table.queue tbody tr a", timeout=30000)
    page.set_viewport_size({"width": 360, "height": 780})  # type: ignore[attr-defined]
    page.locator("table.queue tbody tr a").first.click()
    page.wait_for_selector("table.scores tr.score-detail")
    scores, details = (
        page.locator("table.scores tr[data-score]"),
        page.locator("table.scores tr.score-detail"),
    )
    assert details.count() == scores.count(), "one line per score"
    # the detail adds no width: the table is as wide as the reasons list above it in the same card
    table, reasons = page.locator("table.scores").bounding_box(), page.locator("ul.reasons").bounding_box()
    assert table is not None and reasons is not None and table["width"] <= reasons["width"] + 1
    for i in range(details.count()):
        row, cell = scores.nth(i).bounding_box(), details.nth(i).locator("td").bounding_box()
        text = details.nth(i).locator("small").bounding_box()
        assert row is not None and cell is not None and text is not None
        assert abs(cell["width"] - row["width"]) < 1 and cell["y"] >= row["y"] + row["height"] - 1, (
            "under it, full width"
        )
        assert text["x"] + text["width"] <= cell["x"] + cell["width"] + 0.5, "wrapped inside its cell"
        assert details.nth(i).inner_text().strip()


# Every element with a box that reaches past the right edge of the window, except inside a table's
# own scroll region (.table-scroll: reachable by scrolling it), and every element that hides part of
# its own text (overflow hidden/clip with more content than room).
OUT_OF_VIEW = """() => {
  const width = document.documentElement.clientWidth, found = [];
  const named = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || style.visibility === 'hidden' || el.closest('.table-scroll') && !el.matches('.table-scroll')) continue;
    if (box.right > width + 0.5 || box.left < -0.5) found.push(named(el) + ' spans ' + Math.round(box.left) + '-' + Math.round(box.right));
    const hides = /hidden|clip/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    if (hides && el.innerText.trim()) found.push(named(el) + ' hides part of its text');
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, found: found};
}"""


# Cells of a scrolled table, or of the scores table (in no scroll region: its name column squeezed
# to a character a line once eGFR's long value came, 8927bd94), with more than three characters
# squeezed narrower than three (Chinese may break between any two characters).
NARROW_COLUMNS = """() => [...document.querySelectorAll('.table-scroll td:not([colspan]), table.scores td:not([colspan])')]
  .filter((td) => td.innerText.trim().length > 3 && td.getBoundingClientRect().width < 2.9 * parseFloat(getComputedStyle(td).fontSize))
  .map((td) => Math.round(td.getBoundingClientRect().width) + ' px: ' + td.innerText.trim().slice(0, 20))"""


#: Each table's scroll region (.table-scroll): its role, whether the keyboard reaches it (tabindex
#: 0) and the name it is announced with (aria-label, or the text of what aria-labelledby names).
SCROLL_REGIONS = """() => [...document.querySelectorAll('.table-scroll')].map((el) => {
  const by = el.getAttribute('aria-labelledby'), named = by && document.getElementById(by);
  return {table: el.querySelector('table') ? el.querySelector('table').className : '', role: el.getAttribute('role'),
          tabindex: el.getAttribute('tabindex'), label: (el.getAttribute('aria-label') || (named ? named.textContent : '')).trim()};
})"""


def staff_pages(page: object, demo: Demo) -> list[str]:
    """The pages a clinician uses: the queue, an urgent patient with a proposed referral (forms,
    reasons, scores with their detail rows, models), the referrals list, devices with held results."""
    page.goto(f"{demo.url}/queue")  # type: ignore[attr-defined]
    proposed = page.locator("tr.urgent", has=page.locator(".s-proposed"))  # type: ignore[attr-defined]
    wait_until(lambda: proposed.count() > 0, 30)
    encounter = proposed.first.get_attribute("data-encounter")
    return ["/queue", f"/encounters/{encounter}", "/referrals", "/devices"]


def assert_fits(page: object, where: str) -> None:
    seen = page.evaluate(OUT_OF_VIEW)  # type: ignore[attr-defined]
    assert seen["scroll"] <= seen["inner"], (
        f"{where} scrolls sideways ({seen['scroll']} px): {seen['found'][:8]}"
    )
    assert not seen["found"], f"{where}: out of view: {seen['found'][:8]}"


def test_every_staff_page_fits_a_phone_in_both_languages(browser: object, demo: Demo) -> None:
    # the login page, signed in to nothing, in the language its cookie asks for (one tab: the cookie
    # set anew before each load)
    anonymous = browser.new_context(viewport={"width": 360, "height": 740})  # type: ignore[attr-defined]
    login_page = anonymous.new_page()
    for language in ("en", "zh"):
        anonymous.add_cookies([{"name": "triage_lang", "value": language, "url": demo.url}])
        login_page.goto(f"{demo.url}/login")
        assert login_page.evaluate("document.documentElement.lang") == ("zh-CN" if language == "zh" else "en")
        assert_fits(login_page, f"/login ({language})")
    anonymous.close()
    hold_unmapped_result(demo, "PHONE-HELD-0001-WITH-A-LONG-SAMPLE-IDENTIFIER")
    page = kept(browser, demo, "doctor")
    page.set_viewport_size({"width": 360, "height": 740})  # type: ignore[attr-defined]
    paths = staff_pages(page, demo)
    with back_in_english(page):
        for language in ("en", "zh"):
            if language == "zh":  # (the switch leads back to the page it is on: /devices, the last)
                switch_language(page)
            for path in paths:  # (each page loaded once a language: what is read of it, read there)
                page.goto(f"{demo.url}{path}")  # type: ignore[attr-defined]
                assert page.evaluate("document.documentElement.lang") == (
                    "zh-CN" if language == "zh" else "en"
                )  # type: ignore[attr-defined]
                assert_fits(page, f"{path} ({language})")
                narrow = page.evaluate(NARROW_COLUMNS)  # type: ignore[attr-defined]
                assert not narrow, (
                    f"{path} ({language}): columns squeezed to a character or two: {narrow[:5]}"
                )
                # every wide table scrolls in a region of its own that a keyboard user reaches and a
                # screen reader names, in the page's language (it checked the patient's referrals only)
                regions = page.evaluate(SCROLL_REGIONS)  # type: ignore[attr-defined]
                assert regions and all(
                    region["role"] == "region"
                    and region["tabindex"] == "0"
                    and region["label"]
                    and (language == "en" or re.search("[\u4e00-\u9fff]", region["label"]))
                    for region in regions
                ), (path, language, regions)
                if path == "/devices":
                    assert page.locator("section#held table.held tbody tr").count() >= 1, (
                        "held readings are shown"
                    )  # type: ignore[attr-defined]
                if path != paths[1]:
                    continue
                assert page.locator("#encounter-referrals .s-proposed").count() >= 1  # type: ignore[attr-defined]
                # a proposed referral's Confirm and Cancel sit on a row under it, in view without scrolling
                for action in ("sent", "cancelled"):
                    button = page.locator(f"#encounter-referrals button[name=status][value={action}]").first  # type: ignore[attr-defined]
                    box = button.bounding_box()
                    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, (action, box)
                # a wide table scrolls in its own region, which a keyboard user can reach
                region = page.locator(".table-scroll", has=page.locator("#encounter-referrals"))  # type: ignore[attr-defined]
                assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")


def test_the_desktop_layout_keeps_its_columns_at_1280_px(browser: object, demo: Demo) -> None:
    page = kept(browser, demo, "doctor")
    paths = staff_pages(page, demo)
    for path in paths:  # (each page loaded once: what is read of it, read there)
        page.goto(f"{demo.url}{path}")  # type: ignore[attr-defined]
        assert_fits(page, path)
        for region in page.locator(".table-scroll").all():  # type: ignore[attr-defined]
            assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), (
                f"{path}: no table scrolls at 1280 px"
            )
        if path == paths[1]:
            readings, devices = (page.locator(".grid > .card").nth(i).bounding_box() for i in (0, 1))  # type: ignore[attr-defined]
            assert readings is not None and devices is not None
            assert readings["y"] == devices["y"] and devices["x"] > readings["x"] + readings["width"], (
                "cards side by side"
            )
    header = [page.locator(f"header.top {part}").bounding_box() for part in (".brand", "nav", ".who")]  # type: ignore[attr-defined]
    assert all(box is not None for box in header)
    assert len({round(box["y"] + box["height"] / 2) for box in header if box}) == 1, "the header is one line"


# Short labels that must read as one piece: a closed visit's tag in the queue, a referral's urgency
# (紧急转运), a record number and a referral's date-time (not broken at a hyphen) and, in Chinese, a
# score's value ("≥11 分") and its mark （不完整） - each element whose text the browser laid out on more
# than one line. On a phone a long value (eGFR's 85.6 mL/min/1.73 m², class "compound") puts its
# unit, whole, under its number: only its unit must then read as one piece.
BROKEN_LABELS = """() => [...document.querySelectorAll('small.closed, td.urgency, table.scores td.value, span.incomplete, span.mrn, td.created, td.value.compound span.unit')]
  .filter((el) => !(el.matches('td.value.compound') && window.innerWidth <= 640))
  .filter((el) => el.innerText.trim())
  .filter((el) => { const range = document.createRange(); range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1; })
  .map((el) => el.innerText.trim())"""


def test_closed_visits_urgency_and_score_values_read_in_one_piece_in_chinese(
    browser: object, demo: Demo
) -> None:
    page = kept(browser, demo, "nurse")
    closed = page.locator("table.queue tbody tr.closed")  # type: ignore[attr-defined]
    wait_until(lambda: closed.count() > 0, 60)  # the demo's nurse sends local care home after 5 s
    assert "visit closed" in closed.first.inner_text() and "urgent" not in (
        closed.first.get_attribute("class") or ""
    )
    encounter = closed.first.get_attribute("data-encounter")
    referred = staff_pages(page, demo)[1]  # an urgent patient whose referral waits for a clinician
    for path in ("/queue", "/referrals"):  # in English at 1280 px too
        page.goto(f"{demo.url}{path}")  # type: ignore[attr-defined]
        broken = page.evaluate(BROKEN_LABELS)  # type: ignore[attr-defined]
        assert not broken, f"{path} (en): broken across lines: {broken[:5]}"
    page.goto(f"{demo.url}/queue")  # type: ignore[attr-defined]
    switch_language(page)
    with back_in_english(page):
        for width, height in ((1280, 900), (360, 740)):
            page.set_viewport_size({"width": width, "height": height})  # type: ignore[attr-defined]
            for path in ("/queue", f"/encounters/{encounter}", referred, "/referrals"):
                page.goto(f"{demo.url}{path}")  # type: ignore[attr-defined]
                ready = {"/queue": "small.closed", f"/encounters/{encounter}": "#closed-banner"}.get(
                    path, "td.urgency"
                )
                page.wait_for_selector(ready)  # type: ignore[attr-defined]
                if path == f"/encounters/{encounter}":  # closed by the demo's nurse, who says so
                    assert "demo-nurse" in page.inner_text("#closed-banner")  # type: ignore[attr-defined]
                broken = page.evaluate(BROKEN_LABELS)  # type: ignore[attr-defined]
                assert not broken, f"{path} at {width} px: broken across lines: {broken[:5]}"
                assert_fits(page, f"{path} (zh, {width} px)")


def test_the_queue_fits_a_768_px_tablet_with_its_referral_column_in_view(browser: object, demo: Demo) -> None:
    """On a nurse's tablet the queue's last column (a proposed referral awaiting confirmation) is
    in view without scrolling the table sideways, in both languages."""
    page = kept(browser, demo, "doctor")
    page.set_viewport_size({"width": 768, "height": 1024})  # type: ignore[attr-defined]
    staff_pages(page, demo)  # waits for an urgent case whose referral is proposed
    with back_in_english(page):
        for language in ("en", "zh"):
            if language == "zh":  # (the switch leads back to the queue, as staff_pages left it)
                switch_language(page)
            assert_fits(page, f"/queue ({language})")
            region = page.locator(".table-scroll", has=page.locator("table.queue"))  # type: ignore[attr-defined]
            widths = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
            assert widths[0] <= widths[1], f"/queue ({language}) at 768 px scrolls sideways: {widths}"
            box = laid_out_box(page, "table.queue .s-proposed")
            assert box["x"] + box["width"] <= 768, box


#: Devices' names and expiries drawn over more than one line (a client rectangle each), and tables that scroll.
BROKEN_TOKENS = """() => ({
  broken: Array.from(document.querySelectorAll("tr[data-device] .device-id, tr[data-device] small.expires"))
    .filter((e) => e.getClientRects().length !== 1).map((e) => e.textContent.trim()),
  seen: document.querySelectorAll("tr[data-device] .device-id, tr[data-device] small.expires").length,
  scrolls: Array.from(document.querySelectorAll(".table-scroll:has(table.devices)"))
    .map((e) => [e.scrollWidth, e.clientWidth, e.querySelector("tr[data-device]").parentNode.innerText])
    .filter(([wide, shown]) => wide > shown),
})"""


def test_device_names_and_expiry_times_stay_whole_on_a_tablet(browser: object, demo: Demo) -> None:
    """At 768 px a device's name and its attachment's expiry time were broken at their hyphens
    ("demo-" / "analyzer", "2026-12-" / "05"); each is one line, and the page does not scroll."""
    page: Any = kept(browser, demo, "nurse")
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto(f"{demo.url}/devices")
    wait_until(
        lambda: page.locator("tr[data-device=demo-oximeter] small.expires").count() > 0, SERVER_WAIT_MS / 1000
    )
    with back_in_english(page):  # (also when it fails: the session is shared, kept)
        for language in ("en", "zh"):
            assert page.evaluate("document.documentElement.lang") == ("zh-CN" if language == "zh" else "en")
            found = page.evaluate(BROKEN_TOKENS)
            assert found["seen"] >= 4, found  # three devices' names and the oximeter's expiry
            assert not found["broken"], f"broken over lines ({language}, 768 px): {found['broken']}"
            assert not found["scrolls"], f"the devices table scrolls sideways ({language}, 768 px): {found}"
            assert_fits(page, f"/devices ({language}, 768 px)")
            switch_language(page)  # (back to English at the end)
