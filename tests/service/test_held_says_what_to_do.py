"""Each held result on the devices page says why it is held, from which device - and, for the roles
that administer devices, on which port - and what to do, in English and in Chinese. A result with no
patient link said only "No patient link" / 未关联患者, one with an unmapped code "Code not mapped to
the vocabulary" and a preliminary one "Not final" / 非最终结果: a nurse read a label with nothing to
do about it, and an integrator read the device's name with no port to look at.

Real service and gateway, real SQLite file; the device is an HL7 monitor on a loopback TCP port
sending one message with no patient id (SYNTHETIC values)."""

from __future__ import annotations

import html
import re
import socket
from pathlib import Path

from referral import review
from tests.devices.gateway.test_hl7_withdrawal import NOW
from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, result
from tests.service.test_device_panel_quarantine import served_monitor
from tests.service.test_held_device_status_words import _pages
from tests.service.test_pipeline import wait_for
from triage.service.auth import Role

#: No patient id in PID-3: each result is held for no patient link; ETCO2 is no code of the
#: monitor's profile (unmapped), the HR is preliminary (OBX-11 P).
MESSAGE = "\r".join(
    [
        f"MSH|^~\\&|MONITOR|WARD|||{NOW}||ORU^R01|CTL-H1|P|2.5",
        "PID|1||",
        "OBR|1|SIM-S7",
        f"OBX|1|NM|SPO2||97|%|||||F|||{NOW}",
        f"OBX|2|NM|ETCO2||38|mm[Hg]|||||F|||{NOW}",
        f"OBX|3|NM|HR||88|/min|||||P|||{NOW}",
    ]
).encode("ascii")

NO_LINK_EN = (
    "No patient link: the device sent no patient id and was not attached to an encounter - if you"
    " know whose result it is, assign it to that patient's encounter; else dismiss it (attach the"
    " device on the patient's page to link its next readings)"
)
NO_LINK_ZH = (
    "未关联患者：设备未发送患者号，也未关联到就诊——如确知是哪位患者的结果，请指派给该患者的就诊；"
    "否则请作废（在患者页面关联设备，其后续读数即可归入该患者）"
)
UNMAPPED_EN = (
    "Code not mapped to the vocabulary: the device profile does not say which test this code is, so"
    " triage cannot use it - dismiss it, and ask whoever looks after the devices to map the code in"
    " the profile's mapping table if the test is needed"
)
UNMAPPED_ZH = (
    "代码未映射到词表：设备配置未说明该代码是哪个检测项目，分诊无法使用——请作废；"
    "如需该项目，请联系设备管理人员在设备配置的映射表中映射该代码"
)
NOT_FINAL_EN = (
    "Not final: the device has not sent it as final - check it on the device; its final result,"
    " when the device sends it, replaces this one"
)
NOT_FINAL_ZH = "非最终结果：设备尚未以最终结果发送——请在设备上核对；设备发送最终结果时将替换此结果"


def _why(page: str, result_id: int) -> str:
    row = page.split('id="held"')[1].split(f'data-result="{result_id}"')[1].split("</tr>")[0]
    cell = row.split('class="why"')[1].split(">", 1)[1].split("</td>")[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())


def _device_cell(page: str, result_id: int) -> str:
    row = page.split('id="held"')[1].split(f'data-result="{result_id}"')[1].split("</tr>")[0]
    cell = row.split('class="result"')[1].split(">", 1)[1].split("</td>")[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())


def test_each_held_result_says_why_from_which_device_and_port_and_what_to_do(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    with served_monitor(tmp_path, seeded) as (staff, port):
        app, client = staff.app, staff.client
        db = app.state.runtime.databases.get()
        wait_for(lambda: [s for s in app.state.runtime.device_status() if s["device"] == "ward-monitor"], 1)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as device:
            device.sendall(b"\x0b" + MESSAGE + b"\x1c\r")
            assert b"MSA|AA|CTL-H1" in device.recv(4096)
        held = wait_for(lambda: review.held_results(db, 10, 0, review.held_since(30)), 3)
        ids = {h.result.vendor_code: h.result.id for h in held}
        integrator = client.get("/devices", headers=staff.bearer(Role.integrator)).text
        csrf = staff.login(Role.nurse)
        english = client.get("/devices").text
        client.post("/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False)
        chinese = client.get("/devices").text
        csrf = staff.login(Role.integrator)
        client.post("/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False)
        integrator_zh = client.get("/devices").text
    assert {h.result.vendor_code: h.why for h in held} == {
        "SPO2": ("no_patient_link",),
        "ETCO2": ("unmapped", "no_patient_link"),
        "HR": ("not_final", "no_patient_link"),
    }
    assert _why(english, ids["SPO2"]) == NO_LINK_EN
    assert _why(chinese, ids["SPO2"]) == NO_LINK_ZH
    assert UNMAPPED_EN in _why(english, ids["ETCO2"]) and UNMAPPED_ZH in _why(chinese, ids["ETCO2"])
    assert NOT_FINAL_EN in _why(english, ids["HR"]) and NOT_FINAL_ZH in _why(chinese, ids["HR"])
    # the device, and its port for those who administer devices (as the devices table shows it)
    for result_id in ids.values():
        assert "ward-monitor" in _device_cell(english, result_id)
        assert "ward-monitor" in _device_cell(integrator, result_id)
        said = _device_cell(integrator, result_id)
        assert f"port: tcp listen 127.0.0.1:{port}" in said, said
        assert f"端口：tcp listen 127.0.0.1:{port}" in _device_cell(integrator_zh, result_id)
    assert f":{port}" not in english.split('id="held"')[1], "a nurse is not shown the connection"


def test_a_rejected_correction_says_to_measure_again_then_dismiss_it(staff: Staff) -> None:
    """The device corrected a stored glucose of 6.2 to 80 mmol/L, outside the plausible range: the
    row said only 'Correction of a stored reading could not be used (the reading is withdrawn)',
    where the patient page says to measure again or dismiss it. Real service and SQLite file, the
    real inbox and pipeline."""
    (result_id,) = deliver(staff, result("6.2"))
    deliver(staff, result("80", "corrected"))
    english, chinese = _pages(staff)
    assert _why(english, result_id) == (
        "Correction of a stored reading could not be used (the reading is withdrawn from the decision)"
        " - measure again, then dismiss it"
    )
    assert _why(chinese, result_id) == "已存结果的更正无法使用（原结果已撤出决策）——请重新测量，然后作废此条"
