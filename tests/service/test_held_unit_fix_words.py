"""The staff held page says the gateway's advice for a unit its profile does not take - the profile
change, once the site confirms what the unit is - in the reader's language, as the gateway chose it
(``devices.mapping``). The advice (the hold's "how to fix") was English only, and the page said one
wording for every advice: "set device_units = [..., "mg/mmol"]" for an albumin/creatinine ratio
mapped to mg/g, where the advice is to remove the mapping's unit too (listed alone, mg/mmol would be
relabelled mg/g: 3.1 mg/mmol read as 3.1 mg/g).

Real service, real SQLite file, the HL7 codec and the inbox (SYNTHETIC patient and sample ids).
"""

from __future__ import annotations

import pytest

from devices.profile import profile_from_dict
from tests.service.conftest import Staff
from tests.service.test_held_device_status_words import _pages
from tests.service.test_held_hl7_no_result_words import store_hl7
from tests.service.test_held_unit_sentence import _why

ANALYSER = profile_from_dict(
    {
        "device_id": "analyser",
        "protocol": "hl7",
        "timezone": "UTC",
        "mapping": {
            "ACR": {"code": "albumin_creatinine_ratio", "unit": "mg/g", "device_units": ["mg/g"]},
            "SPO2": {"code": "spo2", "unit": "%", "device_units": ["%"]},
            "GLU": {"code": "glucose_random", "unit": "mg/dL", "device_units": ["mg/dL"]},
        },
    }
)


@pytest.mark.parametrize(
    ("obx", "english", "chinese"),
    [
        (
            "OBX|1|NM|ACR||3.1|mg/mmol|||||F",
            "the device sent unit “mg/mmol” for test ACR; its profile takes mg/g: if the values are in"
            ' “mg/mmol” on this device, set [mapping."ACR"] device_units = ["mg/g", "mg/mmol"] and remove'
            " its unit = “mg/g” in the device's profile",
            "设备为项目 ACR 发送的单位是“mg/mmol”，设备配置只接受 mg/g：如果此设备的数值单位确为“mg/mmol”，"
            '在设备配置中设置 [mapping."ACR"] device_units = ["mg/g", "mg/mmol"]，并删除其 unit = “mg/g”',
        ),
        (
            "OBX|1|NM|SPO2||97|1|||||F",
            "the device sent unit “1” for test SPO2; its profile takes %: once the site confirms that “1”"
            ' is % on this device, set [mapping."SPO2"] device_units = ["%", "1"]',
            "设备为项目 SPO2 发送的单位是“1”，设备配置只接受 %：现场确认“1”在此设备上就是 % 后，"
            '在设备配置中设置 [mapping."SPO2"] device_units = ["%", "1"]',
        ),
        (
            "OBX|1|NM|GLU||140|mg / dl|||||F",
            "the device sent unit “mg / dl” for test GLU; its profile takes mg/dL: “mg / dl” is “mg/dL” written"
            ' differently: set [mapping."GLU"] device_units = ["mg/dL", "mg / dl"]',
            '“mg / dl”是“mg/dL”的另一种写法：在设备配置中设置 [mapping."GLU"] device_units = ["mg/dL", "mg / dl"]',
        ),
    ],
)
def test_the_advice_for_a_unit_is_said_in_the_page_language_as_the_gateway_chose_it(
    staff: Staff, obx: str, english: str, chinese: str
) -> None:
    result_id = store_hl7(staff, obx, profile=ANALYSER)
    en_page, zh_page = _pages(staff)
    assert english in _why(en_page, result_id), _why(en_page, result_id)
    assert chinese in _why(zh_page, result_id), _why(zh_page, result_id)
