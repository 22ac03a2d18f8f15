"""The staff pages at the desk in a real Chromium, on a real uvicorn server over a real SQLite file,
at tablet (768 px) and desktop (1280 px) width, in Chinese and English: what was typed survives a
refused form and an ended session (and is stored once), unknown pages and form addresses say what
happened in the user's language and lead back, the setup page's language choice has a label, and
the walk-in form comes before the queue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

# the browser tests' marks (skipped, saying how to install it, without chromium), their browser
# (one for this module) and helpers
from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.conftest import HTTP_TIMEOUT_S, PASSWORD, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.kept_tabs import reopened
from tests.service.test_browser import assert_fits, browser, pytestmark, wait_until
from triage.service import create_app
from triage.service.auth import Role

__all__ = ["browser", "pytestmark"]

SIZES = [(768, "zh"), (768, "en"), (1280, "zh"), (1280, "en")]
#: SIZES a language after the other, for the tests that end the nurse's session (``end_user`` ends
#: every session of hers) and sign her in again on the login page: the next case in the same
#: language starts from the session that sign-in made (:func:`signed_again`), not from a login of its
#: own, which alternating languages would need every time.
BY_LANGUAGE = [(768, "zh"), (1280, "zh"), (768, "en"), (1280, "en")]
CALM = [  # a patient triage sends home: no referral is proposed by itself
    {"code": "spo2", "value": 98, "unit": "%"},
    {"code": "heart_rate", "value": 72, "unit": "/min"},
    {"code": "resp_rate", "value": 14, "unit": "/min"},
]


@dataclass
class Desk:
    url: str
    app: FastAPI
    tokens: dict[Role, str]
    #: the cookies of a browser signed in to this service, per role and language (:func:`signed_in`)
    signed: dict[tuple[Role, str], Any] = field(default_factory=dict)

    def api(self, role: Role, path: str, body: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        response = httpx.post(f"{self.url}/api/v1{path}", json=body, headers=headers, timeout=HTTP_TIMEOUT_S)
        assert response.status_code in (200, 201), response.text
        found: dict[str, Any] = response.json()
        return found

    def referred(self, mrn: str, urgency: str = "urgent", sent_by: Role | None = None) -> tuple[int, int]:
        """A walk-in ``mrn`` of WALK_IN's readings (an emergency transfer) with a referral the
        clinician proposed through the API (to county-hospital, ``urgency``), sent by ``sent_by``
        when given: (referral id, encounter id)."""
        made = self.api(Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": mrn}})
        body = {
            "assessment_id": made["id"],
            "to_facility": "county-hospital",
            "urgency": urgency,
            "reason": "x",
        }
        referral = self.api(Role.clinician, "/referrals", body)
        if sent_by is not None:
            self.api(sent_by, f"/referrals/{referral['id']}/status", {"status": "sent"})
        return int(referral["id"]), int(made["encounter_id"])

    def count(self, sql: str, *args: object) -> int:
        db = self.app.state.runtime.databases.get()
        return int(db.conn.execute(sql, list(args)).fetchone()[0])


@contextmanager
def _opened(folder: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Desk]:
    """A clinic whose own language is Chinese, its log in ``folder``; its accounts (one per role)
    speak English."""
    tokens = copy_seeded(seeded, folder)
    app = create_app(make_settings(folder, default_language="zh"))
    with live_server(app) as url:
        yield Desk(url, app, tokens)


@pytest.fixture
def desk(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Desk]:
    """:func:`_opened`, a service of the test's own."""
    with _opened(tmp_path, seeded) as opened:
        yield opened


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Desk]:
    """:func:`_opened`, one service for this module's tests (the same settings for all): each started
    a service of its own, 25 start-ups. Each test stores its own patients (record numbers of its
    own, with the width and language of its run) and looks up only those, so no test's rows answer
    another's question and the order they run in does not matter."""
    with _opened(tmp_path_factory.mktemp("desk"), seeded) as opened:
        yield opened


def log_in(browser: object, desk: Desk, role: Role, width: int, language: str) -> object:
    desk.app.state.runtime.accounts.set_language(role.value, language)
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{desk.url}/login")
    sign_in(page, role)
    page.wait_for_url(re.compile(r".*/(queue|devices|referrals)$"))
    return page


def signed_in(browser: object, desk: Desk, role: Role, width: int, language: str) -> object:
    """:func:`log_in`'s page, signed in through the login form once per service, role and language:
    a page of a browser context of its own (no cookie, storage or draft of another test's) given the
    cookies that first login left (``storage_state``), at /queue. Each real login verifies an
    argon2id hash, a quarter of a second of CPU and more on a loaded machine, and a module's tests
    logged in dozens of times over; for a test about its page, not its login. A session ended since
    (``end_user``, the idle limit) lands on the login page: then it logs in again, as before."""
    desk.app.state.runtime.accounts.set_language(role.value, language)
    page = reopened(browser, desk.signed.get((role, language)), desk.url, width)
    if page is not None:
        return page
    page = log_in(browser, desk, role, width, language)
    desk.signed[(role, language)] = page.context.storage_state()  # type: ignore[attr-defined]
    return page


def signed_again(desk: Desk, page: Any, role: Role, language: str) -> None:
    """The session a test's own sign-in on the login page made (after its session ended) kept as
    :func:`signed_in`'s for ``role`` and ``language``, in place of the ended one."""
    desk.signed[(role, language)] = page.context.storage_state()


def patient_page(
    browser: object, desk: Desk, mrn: str, role: Role, width: int, language: str, *, shared: bool = False
) -> tuple[Any, dict[str, Any]]:
    """A calm walk-in stored over the API; ``role`` logged in on its patient page (``shared``: the
    login :func:`signed_in` keeps). (page, assessment)"""
    made = desk.api(Role.nurse, "/assessments", {"patient": {"mrn": mrn}, "observations": CALM})
    page: Any = (signed_in if shared else log_in)(browser, desk, role, width, language)
    page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
    return page, made


def sign_in(page: Any, role: Role) -> None:
    page.fill("input[name=username]", role.value)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


WORDS = {
    "en": {
        "not_found": "There is no page at /no-such-page",
        "not_a_page": "/walk-ins is where a form is sent, not a page to open",
        "home": "Go to the start page",
        "queue": "Back to today's queue",
        "patient": "Back to the patient",
        "kept": "What you typed is kept in this browser",
        "restored": "What you typed before was not recorded and is back in this form",
        "language": "Language",
        "walk_in": "New walk-in patient",
        "short": "The password is too short: use at least 10 characters.",
    },
    "zh": {
        "not_found": "没有这个页面：/no-such-page。",
        "not_a_page": "/walk-ins 是表单提交的地址，不是可以打开的页面",
        "home": "回到首页",
        "queue": "返回今日队列",
        "patient": "返回患者页面",
        "kept": "您填写的内容已保存在此浏览器中",
        "restored": "您之前填写的内容未被记录，已填回此表单",
        "language": "语言",
        "walk_in": "新到患者",
        "short": "密码太短：至少需要 10 个字符。",
    },
}


@pytest.mark.parametrize(("width", "language"), SIZES)
def test_an_unknown_page_and_a_form_address_say_so_in_the_users_language_and_lead_back(
    browser: object, clinic: Desk, width: int, language: str
) -> None:
    words = WORDS[language]
    anonymous = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    anonymous.goto(f"{clinic.url}/no-such-page")
    assert anonymous.evaluate("document.documentElement.lang") == "zh-CN", "the clinic's language"
    assert "没有这个页面：/no-such-page。" in anonymous.inner_text("p.error")
    anonymous.close()
    page = signed_in(browser, clinic, Role.nurse, width, language)
    page.goto(f"{clinic.url}/no-such-page")  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.lang") == ("zh-CN" if language == "zh" else "en")  # type: ignore[attr-defined]
    assert words["not_found"] in page.inner_text("p.error")  # type: ignore[attr-defined]
    assert page.locator("header nav a[href='/queue']").count() == 1, "the signed-in user's menu"  # type: ignore[attr-defined]
    assert_fits(page, f"404 ({language}, {width} px)")
    # the English log line under a Chinese sentence (to quote to support); an English one says it all
    detail = page.locator(".error-detail")  # type: ignore[attr-defined]
    assert detail.count() == (0 if language == "en" else 1), "the log line only where it adds something"
    if language == "zh":
        assert detail.inner_text() == "no such page: /no-such-page"
    page.get_by_role("link", name=words["home"]).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/queue$"))  # type: ignore[attr-defined]
    # a form's address opened as a page (typed in, reloaded, bookmarked)
    page.goto(f"{clinic.url}/walk-ins")  # type: ignore[attr-defined]
    said = page.inner_text("p.error")  # type: ignore[attr-defined]
    assert words["not_a_page"] in said and "表单中有数值无效" not in said and "not valid" not in said
    assert_fits(page, f"405 ({language}, {width} px)")
    assert page.locator(".error-detail").count() == (0 if language == "en" else 1)  # type: ignore[attr-defined]
    page.get_by_role("link", name=words["queue"]).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/queue$"))  # type: ignore[attr-defined]
    mrn = f"DESK-405-{width}{language}"
    made = clinic.api(Role.nurse, "/assessments", {"patient": {"mrn": mrn}, "observations": CALM})
    page.goto(f"{clinic.url}/encounters/{made['encounter_id']}/vitals")  # type: ignore[attr-defined]
    page.get_by_role("link", name=words["patient"]).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(rf".*/encounters/{made['encounter_id']}$"))  # type: ignore[attr-defined]
    close_tab(page)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_setup_page_s_language_choice_has_a_label(browser: object, tmp_path: Path, language: str) -> None:
    """At 768 and 1280 px on one service per language (setup makes the service's first account, so
    it is shown until then): each width's page is checked and refused alike, on a page of its own,
    and the last one is then sent right and signs in - once per service, as setup can be (each of
    the four cases started a service of its own and made its account, for a sign-in that depends on
    no width)."""
    app = create_app(make_settings(tmp_path, default_language=language))  # no account yet
    with live_server(app) as url:
        for width in (768, 1280):
            page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
            page.goto(f"{url}/setup")
            choice = page.get_by_label(WORDS[language]["language"], exact=True)
            assert choice.evaluate("el => el.tagName") == "SELECT"
            assert choice.input_value() == language, "the page's own language is chosen first"
            assert_fits(page, f"/setup ({language}, {width} px)")
            other = "en" if language == "zh" else "zh"
            page.get_by_label("用户名" if language == "zh" else "User name").fill("head-nurse")
            page.locator("input[name=password]").fill("short")  # refused by the service (at least 10)
            choice.select_option(other)
            page.locator("input[name=password]").evaluate("el => el.removeAttribute('minlength')")
            page.click("button[type=submit]")
            page.wait_for_selector("p.field-error")
            assert page.get_by_label(WORDS[language]["language"], exact=True).input_value() == other, (
                "the choice is kept when the form comes back"
            )
            # the refusal is beside the password, in the page's language, the field marked and focused
            # (it was an English line at the top of the form in both languages)
            password = page.locator("input[name=password]")
            error = page.locator(f"#{password.get_attribute('aria-describedby')}")
            assert (
                WORDS[language]["short"] in error.inner_text()
                and password.get_attribute("aria-invalid") == "true"
            )
            expect(password).to_be_focused()  # given by the page after the load: at its next rendering
            assert page.locator("input[name=username]").input_value() == "head-nurse"
            if width == 1280:
                page.locator("input[name=password]").fill("long-enough-pass")
                page.click("button[type=submit]")
                page.wait_for_url(re.compile(r".*/(queue|referrals|devices)$"))
                assert page.evaluate("document.documentElement.lang") == ("zh-CN" if other == "zh" else "en")
            close_tab(page)


# Every element the Tab key reaches, in order, until the walk-in form's summary; its text
TAB_STOPS = 40


@pytest.mark.parametrize(("width", "language"), SIZES)
def test_the_walk_in_form_is_reached_before_the_queue_and_sits_above_it(
    browser: object, clinic: Desk, width: int, language: str
) -> None:
    ours = [
        clinic.api(
            Role.nurse,
            "/assessments",
            {"patient": {"mrn": f"DESK-Q{n}-{width}{language}"}, "observations": CALM},
        )["encounter_id"]
        for n in range(6)
    ]
    page = signed_in(browser, clinic, Role.nurse, width, language)
    for encounter in ours:  # this test's six rows (the module's service holds other tests' too)
        page.locator(f"table.queue tbody tr[data-encounter='{encounter}']").wait_for()  # type: ignore[attr-defined]
    reached = []
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        here = page.evaluate(  # type: ignore[attr-defined]
            "() => { const el = document.activeElement; return [el.tagName, el.closest('#walk-in') ? 'walk-in'"
            " : el.closest('#queue') ? 'queue' : 'page', el.innerText.trim().slice(0, 30)] }"
        )
        reached.append(here)
        if here[1] == "walk-in":
            break
    assert reached[-1][0] == "SUMMARY" and reached[-1][2] == WORDS[language]["walk_in"], reached
    assert not [stop for stop in reached if stop[1] == "queue"], f"queue links come first: {reached}"
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.name") == "mrn", "straight into the form"  # type: ignore[attr-defined]
    walk_in = page.locator("#walk-in").bounding_box()  # type: ignore[attr-defined]
    queue = page.locator("table.queue").bounding_box()  # type: ignore[attr-defined]
    assert walk_in is not None and queue is not None
    assert walk_in["y"] + walk_in["height"] <= queue["y"], "seen where it is reached: above the queue"
    assert_fits(page, f"/queue with the walk-in form open ({language}, {width} px)")
    close_tab(page)


@pytest.mark.parametrize(("width", "language"), SIZES)
def test_a_referral_refused_by_the_service_keeps_its_reason_and_is_stored_once(
    browser: object, clinic: Desk, width: int, language: str
) -> None:
    page, made = patient_page(
        browser, clinic, f"DESK-REF-{width}{language}", Role.clinician, width, language, shared=True
    )
    encounter = made["encounter_id"]
    form = page.locator("#refer-form")  # type: ignore[attr-defined]
    reason = "Chest pain on exertion for two weeks; ECG needed - 胸痛两周"
    form.locator("input[name=reason]").fill(reason)
    form.locator("select[name=urgency]").select_option("urgent")
    # meanwhile a colleague refers the same visit: this form is refused (409)
    clinic.api(
        Role.clinician,
        "/referrals",
        {"assessment_id": made["id"], "to_facility": "county-hospital", "urgency": "routine", "reason": "BP"},
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector("p.error")  # type: ignore[attr-defined]
    assert page.locator("#draft-kept").is_visible(), "the error page says the typing is kept"  # type: ignore[attr-defined]
    assert WORDS[language]["kept"] in page.inner_text("#draft-kept")  # type: ignore[attr-defined]
    assert_fits(page, f"the refusal ({language}, {width} px)")
    page.get_by_role("link", name=WORDS[language]["patient"]).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(rf".*/encounters/{encounter}$"))  # type: ignore[attr-defined]
    assert form.locator("input[name=reason]").input_value() == reason, "what was typed is back"
    assert form.locator("select[name=urgency]").input_value() == "urgent"
    assert WORDS[language]["restored"] in form.locator("p.restored").inner_text()
    tick = form.locator("input[name=alongside_open]")
    assert not tick.is_checked(), "a confirmation is ticked again by the person, never restored"
    assert_fits(page, f"the restored referral form ({language}, {width} px)")
    tick.check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#done")  # type: ignore[attr-defined]
    assert (
        clinic.count(
            "SELECT count(*) FROM referrals WHERE encounter_id = ? AND reason = ?", encounter, reason
        )
        == 1
    )
    page.reload()  # type: ignore[attr-defined]
    assert form.locator("input[name=reason]").input_value() == "", "stored: never put back again"
    assert page.locator("p.restored").count() == 0  # type: ignore[attr-defined]
    close_tab(page)


@pytest.mark.parametrize(("width", "language"), BY_LANGUAGE)
def test_vital_signs_sent_after_the_session_ended_come_back_after_login_and_are_stored_once(
    browser: object, clinic: Desk, width: int, language: str
) -> None:
    page, made = patient_page(
        browser, clinic, f"DESK-VIT-{width}{language}", Role.nurse, width, language, shared=True
    )
    encounter = made["encounter_id"]
    form = page.locator("#vitals-form")  # type: ignore[attr-defined]
    typed = {"resp_rate": "22", "sbp": "104", "dbp": "66", "heart_rate": "96", "temperature": "38.2"}
    for name, value in typed.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("select[name=consciousness]").select_option("A")
    clinic.app.state.runtime.sessions.end_user("nurse")  # idle logout while the nurse was typing
    before = clinic.count("SELECT count(*) FROM observations WHERE encounter_id = ?", encounter)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#login-notice")  # type: ignore[attr-defined]
    assert page.locator("#draft-kept").is_visible()  # type: ignore[attr-defined]
    assert_fits(page, f"the login page after the session ended ({language}, {width} px)")
    sign_in(page, Role.nurse)
    page.wait_for_url(re.compile(rf".*/encounters/{encounter}$"))  # type: ignore[attr-defined]
    signed_again(clinic, page, Role.nurse, language)
    for name, value in typed.items():
        assert form.locator(f"input[name={name}]").input_value() == value, name
    assert form.locator("select[name=consciousness]").input_value() == "A"
    assert WORDS[language]["restored"] in form.locator("p.restored").inner_text()
    assert clinic.count("SELECT count(*) FROM observations WHERE encounter_id = ?", encounter) == before
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#done")  # type: ignore[attr-defined]
    after = clinic.count("SELECT count(*) FROM observations WHERE encounter_id = ?", encounter)
    assert after == before + len(typed) + 1, "stored once"
    page.goto(f"{clinic.url}/encounters/{encounter}")  # type: ignore[attr-defined]
    assert form.locator("input[name=resp_rate]").input_value() == ""
    close_tab(page)


@pytest.mark.parametrize(("width", "language"), BY_LANGUAGE)
def test_a_walk_in_being_typed_when_the_live_queue_finds_the_session_ended_is_kept(
    browser: object, clinic: Desk, width: int, language: str
) -> None:
    mrn = f"DESK-WALK-{width}{language}"
    page = signed_in(browser, clinic, Role.nurse, width, language)  # at /queue
    page.click("#walk-in summary")  # type: ignore[attr-defined]
    page.fill("#walk-in input[name=mrn]", mrn)  # type: ignore[attr-defined]
    page.fill("#walk-in input[name=name]", "欧阳 Desk")  # type: ignore[attr-defined]
    page.select_option("#walk-in select[name=sex]", "female")  # type: ignore[attr-defined]
    page.fill("#walk-in input[name=age_years]", "41")  # type: ignore[attr-defined]
    clinic.app.state.runtime.sessions.end_user("nurse")
    # another patient reaches the queue: the live queue re-reads its rows, finds the session ended
    # and takes the whole page to the login screen
    clinic.api(
        Role.nurse,
        "/assessments",
        {"patient": {"mrn": f"DESK-OTHER-{width}{language}"}, "observations": CALM},
    )
    # (waited for by what it shows: two re-reads may each start the move, the first one aborted)
    page.wait_for_selector("#login-notice")  # type: ignore[attr-defined]
    assert page.locator("#draft-kept").is_visible()  # type: ignore[attr-defined]
    sign_in(page, Role.nurse)
    page.wait_for_url(re.compile(r".*/queue$"))  # type: ignore[attr-defined]
    signed_again(clinic, page, Role.nurse, language)
    walk_in = page.locator("#walk-in")  # type: ignore[attr-defined]
    assert walk_in.get_attribute("open") is not None, "the form is open again"
    assert page.input_value("#walk-in input[name=mrn]") == mrn  # type: ignore[attr-defined]
    assert page.input_value("#walk-in input[name=name]") == "欧阳 Desk"  # type: ignore[attr-defined]
    assert page.input_value("#walk-in select[name=sex]") == "female"  # type: ignore[attr-defined]
    assert page.input_value("#walk-in input[name=age_years]") == "41"  # type: ignore[attr-defined]
    assert WORDS[language]["restored"] in walk_in.locator("p.restored").inner_text()
    assert clinic.count("SELECT count(*) FROM patients WHERE mrn = ?", mrn) == 0, "nothing sent by itself"
    assert_fits(page, f"the restored walk-in form ({language}, {width} px)")
    page.click("#walk-in button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/encounters/\d+$"))  # type: ignore[attr-defined]
    assert clinic.count("SELECT count(*) FROM patients WHERE mrn = ?", mrn) == 1
    assert (
        clinic.count(
            "SELECT count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = ?", mrn
        )
        == 1
    )
    page.goto(f"{clinic.url}/queue")  # type: ignore[attr-defined]
    wait_until(lambda: page.locator("#walk-in").count() == 1, 5)  # type: ignore[attr-defined]
    assert page.input_value("#walk-in input[name=mrn]") == "", "stored: never put back again"  # type: ignore[attr-defined]
    close_tab(page)


def test_another_person_logging_in_on_the_same_browser_never_gets_what_was_typed(
    browser: object, clinic: Desk
) -> None:
    page, made = patient_page(browser, clinic, "DESK-WHO", Role.nurse, 1280, "en", shared=True)
    page.fill("#vitals-form input[name=heart_rate]", "101")  # type: ignore[attr-defined]
    clinic.app.state.runtime.sessions.end_user("nurse")
    page.click("#vitals-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#login-notice")  # type: ignore[attr-defined]
    sign_in(page, Role.clinician)
    page.wait_for_url(re.compile(rf".*/encounters/{made['encounter_id']}$"))  # type: ignore[attr-defined]
    assert page.input_value("#vitals-form input[name=heart_rate]") == ""  # type: ignore[attr-defined]
    assert page.locator("p.restored").count() == 0  # type: ignore[attr-defined]
    assert page.evaluate("window.sessionStorage.getItem('triage.drafts')") is None  # type: ignore[attr-defined]
    close_tab(page)


@pytest.mark.parametrize(("width", "language"), BY_LANGUAGE)
def test_the_language_switch_on_an_error_page_leads_to_the_page_its_link_leads_to(
    browser: object, clinic: Desk, width: int, language: str
) -> None:
    """Not back to the bad address: an unknown page (404 again) or a form's address (405 again).
    The switch changes the language of the session it is made in, switched twice here - so back to
    ``language`` - on :func:`signed_in`'s session, which a case that fails halfway leaves unshared."""
    page: Any = signed_in(browser, clinic, Role.nurse, width, language)
    other = "en" if language == "zh" else "zh"
    try:
        for bad, lands, speaks in (("/no-such-page", "/queue", other), ("/walk-ins", "/queue", language)):
            page.goto(f"{clinic.url}{bad}")
            assert page.locator("p.error").count() == 1
            with page.expect_navigation() as went:
                page.locator("header form[action='/language'] button").click()
            assert went.value.status == 200, f"the language switch on {bad} answered {went.value.status}"
            assert page.url == f"{clinic.url}{lands}", page.url
            assert page.locator("p.error").count() == 0
            assert page.evaluate("document.documentElement.lang") == ("zh-CN" if speaks == "zh" else "en")
    except BaseException:
        clinic.signed.pop((Role.nurse, language), None)  # its language may be the other one now
        raise
    close_tab(page)


@pytest.mark.parametrize(("width", "language"), SIZES)
def test_the_first_tab_skips_the_header_to_the_page(
    browser: object, clinic: Desk, width: int, language: str
) -> None:
    """A keyboard user tabbed through the header's links, language and log-out buttons (six stops)
    on every page before reaching it. The first Tab now shows a link, in the user's language, that
    Enter follows to the page: the next Tab is on the page's first control, not the header's."""
    page, _ = patient_page(
        browser, clinic, f"SKIP-{width}-{language}", Role.clinician, width, language, shared=True
    )
    page.keyboard.press("Tab")
    link = page.locator("a.skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = link.bounding_box()
    assert box is not None and box["y"] >= 0 and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert link.inner_text() == {"en": "Skip to the page's content", "zh": "跳到正文"}[language]
    page.keyboard.press("Enter")  # the link's own (same-page) navigation puts the focus on the page
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')"), "the page's first control"
    close_tab(page)
