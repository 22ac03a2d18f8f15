"""``triage devices ports``: what pyserial does not know is null, as by_id is, not its "n/a".

pyserial reports a port it has no USB or platform details for (an on-board /dev/ttyS0) with the
description and hardware id "n/a" (``serial.tools.list_ports_common.ListPortInfo``); ``--json``
passed that on as a string beside a ``null`` by_id, so a script testing for null took "n/a" for a
description, and the table said "n/a" under description and "-" under by_id. Now each is null in
``--json`` and "-" in the table (docs/device-gateway.md).
"""

from __future__ import annotations

import json

import pytest
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from triage.cli import main

NOT_KNOWN = "n/a"


def _ports_json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["devices", "ports", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert isinstance(listed, list)
    return listed


def test_this_computer_s_ports_without_details_say_null(capsys: pytest.CaptureFixture[str]) -> None:
    """The real ports pyserial finds here (needs one it knows no description of, as /dev/ttyS0)."""
    bare = {p.device for p in list_ports.comports() if NOT_KNOWN in (p.description, p.hwid)}
    if not bare:
        pytest.skip("pyserial finds no port here without a description or hardware id (as /dev/ttyS0)")
    listed = {p["port"]: p for p in _ports_json(capsys)}
    for device in bare:
        row = listed[device]
        assert NOT_KNOWN not in row.values(), row
    assert any(listed[d]["description"] is None or listed[d]["hardware_id"] is None for d in bare)


def test_pyserial_s_n_a_is_null_in_json_and_a_dash_in_the_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pyserial's own port objects: one it knows nothing of, one with USB details."""
    bare = ListPortInfo("/dev/ttyS3", skip_link_detection=True)
    usb = ListPortInfo("/dev/ttyUSB0", skip_link_detection=True)
    usb.vid, usb.pid, usb.product = 0x0403, 0x6001, "FT232R USB UART"
    usb.apply_usb_info()
    monkeypatch.setattr(list_ports, "comports", lambda: [bare, usb])
    rows = _ports_json(capsys)
    assert [(r["port"], r["by_id"], r["description"], r["hardware_id"], r["hwid"]) for r in rows] == [
        ("/dev/ttyS3", None, None, None, None),
        ("/dev/ttyUSB0", None, "FT232R USB UART", "USB VID:PID=0403:6001", "USB VID:PID=0403:6001"),
    ]
    assert main(["devices", "ports"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].split() == ["/dev/ttyS3", "-", "-", "-"]
    assert NOT_KNOWN not in "\n".join(table)
