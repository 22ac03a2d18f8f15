"""POCT1-A2 operator lists on the wire (checklist item 25): OPL.R01 well-formed and escaped,
cut to the device's maximum message size, EOT.R01 closing the OPL topic, the vendor spelling read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

from devices.codecs.poct1a import build_message, parse_message, v_element
from devices.codecs.poct1a_operators import (
    ListedOperator,
    build_end_of_topic,
    build_operator_list,
    listed_operators,
    operator_pages,
)
from devices.operator_list import Operator

WHEN = datetime(2026, 12, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OPERATORS = (
    Operator("N001", "王小红", "1", date(2027, 6, 30)),
    Operator("N002", 'Chen & <Li> "Jr"', "4", date(2027, 1, 31)),
)


def test_the_operator_list_is_well_formed_xml_with_escaped_names_and_the_hosts_control_id() -> None:
    raw = build_operator_list("00017", OPERATORS, now=WHEN)
    root = ET.fromstring(raw)  # a strict parser other than ours
    assert root.tag == "OPL.R01"
    assert root.find("HDR/HDR.control_id").get("V") == "00017"  # type: ignore[union-attr]
    assert root.find("HDR/HDR.message_type").get("V") == "OPL.R01"  # type: ignore[union-attr]
    assert root.find("HDR/HDR.creation_dttm").get("V") == "2026-12-05T09:00:00+08:00"  # type: ignore[union-attr]
    assert [o.find("OPR.name").get("V") for o in root.findall("OPR")] == ["王小红", 'Chen & <Li> "Jr"']  # type: ignore[union-attr]
    assert b"Chen &amp; &lt;Li&gt;" in raw and "王小红".encode() in raw  # escaped, UTF-8 as declared
    message = parse_message(raw)
    assert (message.message_type, message.control_id, message.version) == ("OPL.R01", "00017", "POCT1")
    assert listed_operators(message) == [
        ListedOperator("N001", "王小红", "1", "2027-06-30"),
        ListedOperator("N002", 'Chen & <Li> "Jr"', "4", "2027-01-31"),
    ]
    access = root.find("OPR/ACC")
    assert access is not None
    assert [(e.tag, e.get("V")) for e in access] == [
        ("ACC.method_cd", "ALL"),
        ("ACC.permission_level_cd", "1"),
        ("ACC.expiration_date", "2027-06-30"),
    ]


def test_end_of_topic_closes_the_operator_list_topic() -> None:
    message = parse_message(build_end_of_topic("18", "OPL", now=WHEN))
    assert (message.message_type, message.control_id, message.value("EOT/EOT.topic_cd")) == (
        "EOT.R01",
        "18",
        "OPL",
    )


def test_a_long_list_is_cut_into_messages_within_the_devices_maximum_size() -> None:
    many = tuple(Operator(f"N{n:03}", f"护士 {n} (SYNTHETIC)", "1", date(2027, 1, 1)) for n in range(60))
    pages = operator_pages(many, 2000)
    assert len(pages) > 2 and tuple(o for page in pages for o in page) == many  # in order, none lost
    for n, page in enumerate(pages):
        assert len(build_operator_list(f"{n + 100000}", page, now=WHEN)) <= 2000
    assert operator_pages(many, None) == [many]
    assert operator_pages((), 2000) == [()]  # an empty list is still said: the meter holds no one


def test_the_vendor_spelling_permision_level_cd_is_read() -> None:
    body = (
        "<OPR>"
        + v_element("OPR.operator_id", "5047")
        + v_element("OPR.name", "Supervisor")
        + "<ACC>"
        + v_element("ACC.method_cd", "ALL")
        + v_element("ACC.permision_level_cd", "4")
        + "</ACC></OPR>"
    )
    message = parse_message(build_message("OPL.R01", "4", body))
    assert listed_operators(message) == [ListedOperator("5047", "Supervisor", "4", None)]
    assert listed_operators(parse_message(build_end_of_topic("5", "OPL"))) == []
