"""A keyboard user keeps their place when a live refresh reads the queue's rows or the devices table
again: the focus was on a patient's link in the queue, or on a device's Detach button, and the
refresh replaced that element, so the focus fell to the page itself - at every device result in the
queue, within 2 s on the devices page, where a Detach button could hardly be pressed from the
keyboard. Now the refreshed element of the same id takes the focus back, and where the element is
gone (the device detached meanwhile) the refreshed table takes it, not the page. A real Chromium on
a real uvicorn server over a real SQLite file; the queue's refreshes are its own (server-sent events
as visits are stored over the API), the devices page's its 2 s re-read of a real gateway's status
(the demo's simulated devices on pseudo-terminals). The nurse's one login, in one tab for the module
(switched.kept_tab: each page a tab of its own, a Chromium renderer each), taken to each page's
language by the header's switch."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.service.conftest import SERVER_WAIT_MS, copy_seeded, live_server, make_settings
from tests.service.switched import kept_tab, switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser
from triage.service import create_app
from triage.service.auth import Role
from triage.service.demo import DemoDevices

__all__ = ["browser", "gateway_desk", "pytestmark"]

FOCUSED = "document.activeElement.id || document.activeElement.tagName"
# marks the element of that id, so that a refresh that replaced it can be told from none
MARK = "id => { document.getElementById(id).__before = true; }"
REPLACED = "id => { const e = document.getElementById(id); return !!e && e.__before !== true; }"


def _replaced(page: Any, element_id: str) -> None:
    """Waits until a refresh has replaced the element ``element_id`` (marked before)."""
    expect(page.locator(f"[id='{element_id}']")).to_be_attached(timeout=SERVER_WAIT_MS)
    deadline = SERVER_WAIT_MS
    while not page.evaluate(REPLACED, element_id):
        assert deadline > 0, f"no refresh replaced #{element_id}"
        page.wait_for_timeout(200)
        deadline -= 200


def test_the_queue_keeps_the_focus_on_the_patient_a_live_refresh_read_again(
    browser: object, gateway_desk: Desk
) -> None:
    desk = gateway_desk  # (the module's one service; its devices send nothing unless told)
    for language, width in (("zh", 768), ("en", 1024)):
        first = desk.api(
            Role.nurse, "/assessments", {"patient": {"mrn": f"KEEP-{language}"}, "observations": CALM}
        )
        page: Any = kept_tab(browser, desk, Role.nurse, width)
        page.goto(f"{desk.url}/queue")
        switched(page, language, width)  # (the other language: the switch loads the queue again)
        link = f"visit-{first['encounter_id']}"
        page.locator(f"#{link}").focus()
        page.evaluate(MARK, link)
        # a device result, a walk-in at the desk: the queue's rows are read again
        other = desk.api(
            Role.nurse, "/assessments", {"patient": {"mrn": f"NEXT-{language}"}, "observations": CALM}
        )
        expect(page.locator(f"tr[data-encounter='{other['encounter_id']}']")).to_be_visible(
            timeout=SERVER_WAIT_MS
        )
        _replaced(page, link)
        assert page.evaluate(FOCUSED) == link, f"the focus left the patient's link ({language}, {width} px)"
        page.keyboard.press("Enter")  # still where it was: Enter opens that patient
        page.wait_for_url(f"**/encounters/{first['encounter_id']}")


@pytest.fixture(scope="module")
def gateway_desk(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Desk]:
    """A clinic service with a real device gateway: the demo's simulated devices (an analyzer, a
    monitor and the pulse oximeter) on pseudo-terminals. One for a module's tests (each started
    one of its own): each stores patients and held results of its own (record numbers and sample
    ids with its language) and looks up only those; the one oximeter a test attaches it detaches
    again before it ends, so the next test finds it free, as the first did."""
    folder = tmp_path_factory.mktemp("gateway")
    tokens = copy_seeded(seeded, folder)
    devices = DemoDevices()
    app = create_app(make_settings(folder), device_endpoints=devices.endpoints)
    with live_server(app) as url:
        yield Desk(url, app, tokens)
    # in a thread of its own: Playwright's sync API keeps this thread's event loop marked running
    closing = threading.Thread(target=asyncio.run, args=(devices.close(),))
    closing.start()
    closing.join(30)


def _attach(desk: Desk, mrn: str) -> int:
    made = desk.api(Role.nurse, "/assessments", {"patient": {"mrn": mrn}, "observations": CALM})
    desk.api(Role.nurse, "/devices/demo-oximeter/association", {"encounter_id": made["encounter_id"]})
    return int(made["encounter_id"])


def test_the_devices_page_keeps_the_focus_on_a_detach_button_through_its_refresh(
    browser: object, gateway_desk: Desk
) -> None:
    desk = gateway_desk
    for language, width in (("zh", 768), ("en", 1024)):
        _attach(desk, f"OXI-{language}")
        page: Any = kept_tab(browser, desk, Role.nurse, width)
        page.goto(f"{desk.url}/devices")
        switched(page, language, width)  # (the other language: the switch loads the page again)
        button = "detach-demo-oximeter"
        page.locator(f"#{button}").focus()
        page.evaluate(MARK, button)
        _replaced(page, button)  # the table's 2 s re-read
        assert page.evaluate(FOCUSED) == button, f"the focus left the Detach button ({language}, {width} px)"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("tr[data-device='demo-oximeter'] td.attached .empty")).to_be_visible(
            timeout=SERVER_WAIT_MS
        )


def test_a_detach_button_gone_meanwhile_leaves_the_focus_on_the_devices_table(
    browser: object, gateway_desk: Desk
) -> None:
    desk = gateway_desk
    _attach(desk, "OXI-GONE")
    page: Any = kept_tab(browser, desk, Role.nurse, 768)
    page.goto(f"{desk.url}/devices")
    switched(page, "zh", 768)
    page.locator("#detach-demo-oximeter").focus()
    # another nurse detaches it at the bedside
    response = httpx.delete(
        f"{desk.url}/api/v1/devices/demo-oximeter/association",
        params={"reason": "patient left the bed"},
        headers={"Authorization": f"Bearer {desk.tokens[Role.nurse]}"},
        timeout=SERVER_WAIT_MS / 1000,
    )
    assert response.status_code == 200, response.text
    expect(page.locator("#detach-demo-oximeter")).to_have_count(0, timeout=SERVER_WAIT_MS)
    assert page.evaluate(FOCUSED) == "devices-table", "the focus fell to the page, not the devices table"
