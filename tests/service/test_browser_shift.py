"""A nurse's shift in a real Chromium against `triage demo` (real uvicorn): a walk-in with a long
name in the queue at tablet and desktop width, a form sent on a slow service (a real loopback
proxy that holds the service's answers back) recorded once however often the button is pressed,
the patient page printed, a set of vital signs typed at 768 px (a slip shown beside its field),
and a clinic day's reasons read in Chinese and its page printed. One demo for all of them: the
last two had a module, and a demo, of their own; they come last, so that the tests that pick the
queue's first urgent row see the demo's rows as before, and each reads only its own walk-in."""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from playwright.sync_api import expect

# the browser tests' marks (skipped, saying how to install it, without chromium), their demo process
# and browser (one of each for this module) and helpers
from tests.service.conftest import SERVER_WAIT_MS
from tests.service.kept_tabs import Demo, kept
from tests.service.test_browser import (
    assert_fits,
    browser,
    demo,
    laid_out_box,
    pytestmark,
    wait_until,
)

__all__ = ["browser", "demo", "pytestmark"]

LONG_NAME = "欧阳" + "娜" * 48 + "Alexandrovna-Konstantinopolskaya"


def log_in(browser: object, demo: Demo, user: str, width: int) -> object:
    """A page of ``user``'s at /queue, ``width`` x 1024 px: :func:`kept`'s (the login form once per
    demo and account, then the same tab). No test here is about the login, and each test signed in
    through the form: nine argon2id verifies in the demo for two accounts."""
    page = kept(browser, demo, user)
    page.set_viewport_size({"width": width, "height": 1024})
    return page


def walk_in(page: object, mrn: str, name: str) -> str:
    """Open a walk-in from the queue's form; the patient page's address."""
    page.click("#walk-in summary")  # type: ignore[attr-defined]
    page.fill("#walk-in input[name=mrn]", mrn)  # type: ignore[attr-defined]
    page.fill("#walk-in input[name=name]", name)  # type: ignore[attr-defined]
    page.click("#walk-in button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/encounters/\d+$"))  # type: ignore[attr-defined]
    return str(page.url)  # type: ignore[attr-defined]


def test_a_long_patient_name_wraps_and_keeps_the_queue_in_view(browser: object, demo: Demo) -> None:
    page = log_in(browser, demo, "nurse", 1280)
    patient = walk_in(page, "SHIFT-LONG-NAME", LONG_NAME)
    encounter = patient.rsplit("/", 1)[1]
    page.click("#assess-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(patient)  # type: ignore[attr-defined]
    doctor = log_in(browser, demo, "doctor", 1280)
    doctor.goto(patient)  # type: ignore[attr-defined]
    doctor.fill("#refer-form input[name=reason]", "低氧、发热、心率快；" * 20)  # type: ignore[attr-defined]
    doctor.click("#refer-form button[type=submit]")  # type: ignore[attr-defined]
    doctor.wait_for_selector("#encounter-referrals")  # type: ignore[attr-defined]
    try:
        for language in ("en", "zh"):
            if language == "zh":
                page.click("form[action='/language'] button")  # type: ignore[attr-defined]
            for width in (768, 1280):
                page.set_viewport_size({"width": width, "height": 1024})  # type: ignore[attr-defined]
                page.goto(f"{demo.url}/queue")  # type: ignore[attr-defined]
                row = page.locator(f"table.queue tr[data-encounter='{encounter}']")  # type: ignore[attr-defined]
                row.wait_for()
                where = f"/queue ({language}, {width} px)"
                assert_fits(page, where)
                region = page.locator(".table-scroll", has=page.locator("table.queue"))  # type: ignore[attr-defined]
                widths = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
                assert widths[0] <= widths[1], f"{where}: the long name pushes the table sideways {widths}"
                # the live queue re-renders as the demo's patients come: measured once laid out
                cells = f"table.queue tr[data-encounter='{encounter}'] td"
                name = laid_out_box(page, f"{cells}:nth-child(2) a")
                last = laid_out_box(page, f"{cells}:last-child")
                assert last["x"] + last["width"] <= width, f"{where}: the referral column is out of view"
                assert name["width"] < width / 2, f"{where}: the name takes {name['width']} px"
                assert row.locator("td").nth(1).locator("a").inner_text().replace("\n", "") == LONG_NAME
                # the referrals list: the long name and reason wrap, the referral's date is in view
                page.goto(f"{demo.url}/referrals")  # type: ignore[attr-defined]
                assert_fits(page, f"/referrals ({language}, {width} px)")
                listed = page.locator(".table-scroll", has=page.locator("table.referrals"))  # type: ignore[attr-defined]
                widths = listed.evaluate("el => [el.scrollWidth, el.clientWidth]")
                assert widths[0] <= widths[1], (
                    f"/referrals ({language}, {width} px) scrolls sideways {widths}"
                )
    finally:
        if page.evaluate("document.documentElement.lang") == "zh-CN":  # type: ignore[attr-defined]
            page.click("form[action='/language'] button")  # type: ignore[attr-defined]


@dataclass
class Posts:
    """The POSTs a :func:`slow_proxy` forwarded to the service and the service's answers to them
    (counted as they come, before the proxy holds them back)."""

    forwarded: int = 0
    answered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, answer: bool) -> None:
        with self.lock:
            if answer:
                self.answered += 1
            else:
                self.forwarded += 1


@contextmanager
def slow_proxy(target_port: int, delay_s: float) -> Iterator[tuple[int, Posts]]:
    """A loopback proxy to the demo that forwards every request at once but holds the answer to a
    POST back for ``delay_s`` (a slow or busy service as the browser sees it); yields its port and
    what it counts of the POSTs."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    posts = Posts()

    def pump(source: socket.socket, sink: socket.socket, posted: threading.Event, inbound: bool) -> None:
        try:
            while not stop.is_set():
                data = source.recv(65536)
                if not data:
                    break
                post = inbound and data.startswith(b"POST ")
                if post:
                    posted.set()
                elif not inbound and posted.is_set():
                    posts.count(answer=True)  # the service has answered it, its work done
                    time.sleep(delay_s)
                    posted.clear()
                sink.sendall(data)
                if post:
                    posts.count(answer=False)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection(("127.0.0.1", target_port))
            posted = threading.Event()
            for args in ((client, upstream, posted, True), (upstream, client, posted, False)):
                threading.Thread(target=pump, args=args, daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1]), posts
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_a_form_pressed_twice_on_a_slow_service_is_recorded_once(browser: object, demo: Demo) -> None:
    """The login and the walk-in go to the demo directly, the reading form through the slow proxy:
    every POST through it waits ``delay_s`` for its answer, and the login's and the walk-in's only
    made the test longer. The browser sends the session's cookie to either (a cookie is the host's,
    whatever its port), and the reading's page is served by the proxy, its form sent there."""
    demo_port = int(demo.url.rsplit(":", 1)[1])
    page = log_in(browser, demo, "nurse", 768)
    encounter = int(walk_in(page, "SHIFT-SLOW-1", "Slow Network").rsplit("/", 1)[1])
    with slow_proxy(demo_port, delay_s=2.0) as (port, posts):
        patient = f"http://127.0.0.1:{port}/encounters/{encounter}"
        page.goto(patient)  # type: ignore[attr-defined]
        form = page.locator("#reading-form")  # type: ignore[attr-defined]
        form.locator("select[name=code]").select_option("glucose_random")
        form.locator("input[name=value]").fill("6.4")
        button = form.locator("button[type=submit]")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        before = posts.forwarded
        page.mouse.click(x, y)  # type: ignore[attr-defined]
        # at the service, its answer held back: the nurse presses again, and again with Enter
        wait_until(lambda: posts.forwarded > before, SERVER_WAIT_MS / 1000)
        page.mouse.click(x, y)  # type: ignore[attr-defined]
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        page.wait_for_url(patient)  # type: ignore[attr-defined]
        page.locator("tr[data-observation] td[data-code=glucose_random]").first.wait_for()  # type: ignore[attr-defined]
        # every press that reached the service answered by it: stored, or refused, by then
        wait_until(lambda: posts.answered == posts.forwarded, SERVER_WAIT_MS / 1000)
    db = sqlite3.connect(demo.data_dir / "demo-clinic.db")
    try:
        stored = db.execute(
            "SELECT count(*) FROM observations WHERE encounter_id = ? AND code = 'glucose_random'",
            [encounter],
        ).fetchone()[0]
    finally:
        db.close()
    assert stored == 1, f"the reading was recorded {stored} times"


#: A4 (210 x 297 mm) in PDF points; Chromium writes a page's MediaBox in whole CSS pixels, within a point of it
A4 = (595.28, 841.89)


def printed_pages(pdf: bytes) -> list[tuple[tuple[float, float], int]]:
    """Each page of a PDF Chromium printed, in order: its size in points and how many runs of text
    it draws (Tj/TJ in its Flate-compressed content stream)."""
    at = {int(m.group(1)): m.start() for m in re.finditer(rb"(\d+) 0 obj", pdf)}

    def body(number: int) -> bytes:
        return pdf[at[number] : pdf.index(b"endobj", at[number])]

    kids = re.search(rb"/Type /Pages\s.*?/Kids \[([^\]]*)\]", pdf, re.S)
    assert kids is not None, "a page tree"
    pages = []
    for number in (int(n) for n in re.findall(rb"(\d+) 0 R", kids.group(1))):
        page = body(number)
        box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", page)
        contents = re.search(rb"/Contents (\d+) 0 R", page)
        assert box is not None and contents is not None, page[:200]
        stream = body(int(contents.group(1)))
        raw = stream[stream.index(b"stream") + len(b"stream") :].lstrip(b"\r\n")
        text = zlib.decompressobj().decompress(raw) if b"/FlateDecode" in stream else raw
        size = (round(float(box.group(1)), 2), round(float(box.group(2)), 2))
        pages.append((size, len(re.findall(rb"T[jJ]\b", text))))
    return pages


def test_a_patient_page_prints_on_a4_with_its_decision_legible_and_its_risk_models_labelled(
    browser: object, demo: Demo
) -> None:
    """Printed, the patient page kept each card whole, so the readings card, taller than what was
    left of the first page, went to the second and the first page held the decision alone; an urgent
    decision printed in white on a red that browsers do not print (light grey in the PDF); the page
    named no paper size (Letter); the decision said no date, so a printed page's times (16:29) named
    no day; the risk models printed with no word of their teaching data; the empty "Override the
    decision" card printed its heading. Now the record prints on A4, the first page filled, the
    decision in black with when and by whom it was assessed, and the risk models with their versions
    and the teaching-data label."""
    page = log_in(browser, demo, "doctor", 1280)
    urgent = page.locator("table.queue tr.urgent")  # type: ignore[attr-defined]
    urgent.first.wait_for(timeout=30000)
    page.goto(f"{demo.url}/encounters/{urgent.first.get_attribute('data-encounter')}")  # type: ignore[attr-defined]
    assert page.locator("#decision.urgent").is_visible()  # type: ignore[attr-defined]
    assert page.locator("li.override").count() == 0, "no override on this visit"  # type: ignore[attr-defined]
    on_screen = page.locator("#decision small.assessed").inner_text()  # type: ignore[attr-defined]
    assert re.fullmatch(r"Assessed \d{2}:\d{2}:\d{2} by \S+", on_screen.strip()), "today's by its time of day"
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    decision = page.locator("#decision")  # type: ignore[attr-defined]
    assert decision.evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)", "black on white"
    assert decision.locator("h2").inner_text().strip().lower() == "decision"
    assessed = decision.locator("small.assessed").inner_text()
    assert re.fullmatch(r"Assessed \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} by \S+", assessed.strip()), assessed
    teaching = page.locator("#models-teaching")  # type: ignore[attr-defined]
    assert teaching.is_visible() and "teaching data" in teaching.inner_text().lower()
    assert "not for clinical use" in teaching.inner_text()
    versions = page.locator("table.models small.model-code").all_inner_texts()  # type: ignore[attr-defined]
    assert versions and all(re.fullmatch(r"[a-z0-9_]+ \d+\.\d+\.\d+", v.strip()) for v in versions), versions
    assert page.get_by_text(re.compile(r"^policy \S+ · engine \S+")).is_visible()  # type: ignore[attr-defined]
    assert not page.locator("#override").is_visible(), "an empty override card is not printed"  # type: ignore[attr-defined]
    pages = printed_pages(page.pdf(prefer_css_page_size=True))  # type: ignore[attr-defined]
    assert all(abs(w - A4[0]) < 1.5 and abs(h - A4[1]) < 1.5 for (w, h), _ in pages), f"A4: {pages}"
    fullest = max(runs for _, runs in pages)
    assert pages[0][1] >= fullest / 2, f"the first page is used, not the decision alone: {pages}"


def test_a_tablet_reaches_the_reasons_from_the_decision_and_prints_the_record_without_forms(
    browser: object, demo: Demo
) -> None:
    """At 768 px the reasons and scores sit under the readings, the entry forms and the devices -
    thousands of pixels below the decision; the decision links to them. Printed, the patient page
    is the record (decision, readings, reasons, referrals) without its entry forms."""
    page = log_in(browser, demo, "doctor", 768)
    urgent = page.locator("table.queue tr.urgent")  # type: ignore[attr-defined]
    urgent.first.wait_for(timeout=30000)
    page.goto(f"{demo.url}/encounters/{urgent.first.get_attribute('data-encounter')}")  # type: ignore[attr-defined]
    reasons = page.locator("#reasons")  # type: ignore[attr-defined]
    assert reasons.evaluate("el => el.getBoundingClientRect().top") > 1024, "below the first screen"
    page.locator("#decision a.to-reasons").click()  # type: ignore[attr-defined]
    top = reasons.evaluate("el => el.getBoundingClientRect().top")
    assert -2 <= top < 50, f"the link brings the reasons to the top of the screen ({top} px)"
    assert page.locator("#reasons li").count() >= 1  # type: ignore[attr-defined]
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    shown = page.evaluate(  # type: ignore[attr-defined]
        "[...document.querySelectorAll('form')].filter(f => getComputedStyle(f).display !== 'none').map(f => f.id || f.action)"
    )
    assert shown == [], f"printed with its forms: {shown}"
    for part in ("#decision", "#reasons", "#encounter-referrals", "table.scores"):
        assert page.locator(part).is_visible(), f"{part} is printed"  # type: ignore[attr-defined]
    assert not page.locator("#decision a.to-reasons").is_visible()  # type: ignore[attr-defined]


def test_the_printed_referrals_table_names_its_columns(browser: object, demo: Demo) -> None:
    """The patient page's referrals table had no column headings: on paper the referral hospital
    read "#12  Shanghai ...  Urgent  Proposed  NEWS2 7" with nothing saying which column was the
    urgency and which the status. Printed, it names them (and repeats them on a following page)."""
    page = log_in(browser, demo, "doctor", 1280)
    urgent = page.locator("table.queue tr.urgent")  # type: ignore[attr-defined]
    urgent.first.wait_for(timeout=30000)
    page.goto(f"{demo.url}/encounters/{urgent.first.get_attribute('data-encounter')}")  # type: ignore[attr-defined]
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    table = page.locator("#encounter-referrals")  # type: ignore[attr-defined]
    assert table.is_visible() and table.locator("tbody tr").count() >= 1
    headings = table.locator("thead th")
    assert headings.all_inner_texts() == ["#", "To", "Urgency", "Status", "Reason"]
    assert all(headings.nth(i).is_visible() for i in range(headings.count()))
    columns = table.locator("tbody tr").first.locator("td").count()
    assert columns == headings.count(), "a heading for every column"


TYPED = {  # label -> value: RR 24, SpO2 91 on air, BP 95/60, HR 118, alert, 38.6 °C: NEWS2 10
    "Respiratory rate": "24",
    "Systolic BP": "95",
    "Diastolic BP": "60",
    "Heart rate": "118",
    "Temperature": "38.6",
}


def test_a_nurse_records_a_set_of_vital_signs_at_768_px_and_sees_the_decision(
    browser: object, demo: Demo
) -> None:
    """A nurse types a set of vital signs at tablet width (768 px): a walk-in opened on the queue,
    the vital-signs form filled by its labels, a bad value coming back beside its field with
    everything typed kept, then the decision. (It was test_browser_vitals.py, which started a demo
    of its own for it.)"""
    page = kept(browser, demo, "nurse")
    page.set_viewport_size({"width": 768, "height": 1024})  # type: ignore[attr-defined]
    page.click("#walk-in summary")  # type: ignore[attr-defined]
    page.get_by_label("Record number").fill("BROWSER-VITALS-1")  # type: ignore[attr-defined]
    page.get_by_label("Age (years)").fill("58")  # type: ignore[attr-defined]
    page.click("#walk-in button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/encounters/\d+$"))  # type: ignore[attr-defined]
    patient = page.url  # type: ignore[attr-defined]
    form = page.locator("#vitals-form")  # type: ignore[attr-defined]
    for label, value in TYPED.items():
        form.get_by_label(label, exact=True).fill(value)  # the label is tied to its input
    form.get_by_label("SpO2", exact=True).fill("191")  # a slip of the finger: 191 %
    form.get_by_label("Air or oxygen", exact=True).select_option("air")
    form.get_by_label("Consciousness (ACVPU)", exact=True).select_option("A")
    assert_fits(page, "the vital-signs form at 768 px")
    for code in ("resp_rate", "spo2", "heart_rate"):  # each unit on its input's line
        field, unit = (page.locator(f"#vitals-{code}{part}").bounding_box() for part in ("", "-unit"))  # type: ignore[attr-defined]
        assert field is not None and unit is not None
        assert unit["x"] >= field["x"] + field["width"] and abs(unit["y"] - field["y"]) < field["height"]
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#vitals-spo2-error")  # type: ignore[attr-defined]
    spo2 = page.locator("#vitals-spo2")  # type: ignore[attr-defined]
    error = page.locator("#vitals-spo2-error")  # type: ignore[attr-defined]
    assert "outside the plausible range 40-100 %" in error.inner_text()
    assert "vitals-spo2-error" in str(spo2.get_attribute("aria-describedby"))
    # the bad field has the focus, given by the page after the load (at its next rendering)
    expect(spo2).to_be_focused()
    assert spo2.input_value() == "191", "what was typed is kept"
    for label, value in TYPED.items():
        assert form.get_by_label(label, exact=True).input_value() == value, label
    assert form.get_by_label("Consciousness (ACVPU)", exact=True).input_value() == "A"
    assert page.locator("table tr[data-observation]").count() == 0, "nothing was recorded"  # type: ignore[attr-defined]
    assert_fits(page, "the vital-signs form with its errors at 768 px")
    spo2.fill("91")
    form.locator("button[type=submit]").click()
    page.wait_for_url(patient)  # type: ignore[attr-defined]
    decision = page.locator("#decision")  # type: ignore[attr-defined]
    assert "EMERGENCY TRANSFER" in decision.inner_text().upper()
    news2 = page.locator("table.scores tr[data-score=news2] td.value").inner_text()  # type: ignore[attr-defined]
    assert re.match(r"10\b", news2.strip()), news2
    manual = page.locator("tr[data-observation]", has_text="entered by hand")  # type: ignore[attr-defined]
    assert manual.count() == 8
    assert len({manual.nth(i).locator("td").nth(2).inner_text() for i in range(8)}) == 1, "one time"
    # in Chinese: the error beside its field, and the form still fits the tablet
    page.click("form[action='/language'] button")  # type: ignore[attr-defined]
    page.wait_for_url(patient)  # type: ignore[attr-defined]
    try:
        form.get_by_label("体温", exact=True).fill("三十八")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#vitals-temperature-error")  # type: ignore[attr-defined]
        assert "体温：数值不是数字，读数未记录。" in page.inner_text("#vitals-temperature-error")  # type: ignore[attr-defined]
        assert form.get_by_label("体温", exact=True).input_value() == "三十八"
        assert_fits(page, "the vital-signs form with its error at 768 px (zh)")
    finally:
        page.click("form[action='/language'] button")  # type: ignore[attr-defined]


SEPSIS = {
    "resp_rate": "26",
    "spo2": "92",
    "sbp": "88",
    "dbp": "52",
    "heart_rate": "124",
    "temperature": "38.9",
}


def test_the_doctor_reads_the_reasons_in_chinese_on_hover_and_prints_the_day(
    browser: object, demo: Demo
) -> None:
    """A clinic day's patient page: an elderly walk-in with signs of sepsis, her vital signs typed
    by the nurse, the doctor reading the decision and its reasons in Chinese - hovering over a
    reason shows the record in Chinese, not the engine's English - and printing the page, which
    says the day of its times and when it was printed. (It was test_browser_clinic_day.py, which
    started a demo of its own for it.)"""
    nurse = kept(browser, demo, "nurse")
    nurse.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    patient = walk_in(nurse, "DAY-SEPSIS-1", "Zhang Guilan")
    form = nurse.locator("#vitals-form")  # type: ignore[attr-defined]
    for code, value in SEPSIS.items():
        form.locator(f"#vitals-{code}").fill(value)
    form.locator("#vitals-supplemental_o2").select_option("air")
    form.locator("#vitals-consciousness").select_option("C")
    form.locator("button[type=submit]").click()
    nurse.wait_for_selector("#decision.urgent")  # type: ignore[attr-defined]
    doctor = kept(browser, demo, "doctor")
    doctor.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    doctor.goto(patient)  # type: ignore[attr-defined]
    doctor.click("form[action='/language'] button")  # type: ignore[attr-defined]
    doctor.wait_for_url(patient)  # type: ignore[attr-defined]
    try:
        details = doctor.locator("ul.reasons span.detail")  # type: ignore[attr-defined]
        assert details.count() >= 3
        for i in range(details.count()):
            hover = str(details.nth(i).get_attribute("title"))
            assert hover.startswith("规则代码 "), hover
            assert not re.search(r"[a-z]{4,} [a-z]{3,} [a-z]{3,}", hover), f"an English sentence: {hover}"
        news2 = doctor.locator("ul.reasons li", has=doctor.locator("[data-rule=news2_emergency]"))  # type: ignore[attr-defined]
        assert "规则代码 news2_emergency；记录数值：news2=" in str(
            news2.locator("span.detail").get_attribute("title")
        )
        printed = doctor.locator("#printed")  # type: ignore[attr-defined]
        assert not printed.is_visible(), "on the screen the print line is not shown"
        doctor.emulate_media(media="print")  # type: ignore[attr-defined]
        assert printed.is_visible()
        assert re.match(
            r"就诊开始于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}；.*打印时间 \d{4}-\d{2}-\d{2}", printed.inner_text()
        )
        assert doctor.locator("#decision").is_visible()  # type: ignore[attr-defined]
        assert not doctor.locator("#refer-form").is_visible(), "no entry forms on paper"  # type: ignore[attr-defined]
    finally:
        doctor.emulate_media(media="screen")  # type: ignore[attr-defined]
        doctor.click("form[action='/language'] button")  # type: ignore[attr-defined]
