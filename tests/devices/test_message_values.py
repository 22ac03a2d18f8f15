"""Values quoted in the messages integrators see - quarantine details, HL7 refusals, profile and
flag errors, link warnings - are written as JSON writes them (``"GLU"``, ``"\\r\\n"``), as the rest
of the project's messages are (``referral.errors.json_text``), not as Python's repr (``'GLU'``,
``b'\\r\\n'``). Messages whose other tests already compare them whole are covered there."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import cast

import pytest

from devices.codecs import astm_records, gatt_lines, hl7, poct1a, spotchem, vidas
from devices.codecs.astm_frame import build_frame, scan_frame
from devices.codecs.astm_link import AstmReceiver, AstmSender, MessageAborted
from devices.errors import CodecError, ProfileError
from devices.gateway import Gateway
from devices.link_drivers import make_driver_factory
from devices.mapping import Fields, build_result, parse_timestamp
from devices.profile import load_profile, profile_from_dict
from devices.tolerance import ToleranceCounter
from devices.transports.link import Link, LinkError
from devices.transports.tcp import parse_host_port
from tests.devices.codecs.wire import ACK, ENQ, FakeClock, strict_profile


def _raised(call: Callable[[], object], kind: type[Exception] = Exception) -> str:
    with pytest.raises(kind) as caught:
        call()
    return str(caught.value)


def _detail(decoded: tuple[list[object], list[object]]) -> str:
    _, problems = decoded
    return str(problems[0].detail)  # type: ignore[attr-defined]


def _mapped(vendor: str, unit: str | None, value: str, mapping: dict[str, object]) -> str:
    prof = profile_from_dict({"device_id": "lab", "protocol": "astm", "mapping": {vendor: mapping}})
    fields = Fields("astm", "m1", "S1", "P1", vendor, value, unit, "final", False, (), None, None, 0)
    _, problem = build_result(fields, prof, ToleranceCounter(), b"")
    assert problem is not None
    return problem.detail


def _frame_problem(frame: bytes) -> str:
    scanned = scan_frame(frame, 0, 64_000)
    assert scanned is not None and scanned.problem is not None
    return scanned.problem


def _trailer_rejected() -> str:
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ + build_frame(1, b"H|\\^&\r", True)[:-2] + b"\r\x00")
    return next(str(e.reason) for e in iter(rx.next_event, None) if hasattr(e, "reason"))


def _aborted_on_a_bad_reply() -> str:
    clock = FakeClock()
    tx = AstmSender(strict_profile(), clock)
    tx.send([b"H|\\^&"])
    tx.receive_data(ACK)
    for _ in range(6):
        tx.data_to_send()
        tx.receive_data(b"X")
    events = list(iter(tx.next_event, None))
    return next(e.reason for e in events if isinstance(e, MessageAborted))


def _vidas(body: bytes, checksum: str | None = None) -> bytes:
    return b"\x02" + body + b"\x1d" + (checksum or vidas.checksum(body + b"\x1d")).encode()


CASES: list[tuple[str, Callable[[], str], str]] = [
    (
        "tcp address",
        lambda: _raised(lambda: parse_host_port("lab-pc")),
        'address "lab-pc": expected HOST:PORT',
    ),
    (
        "tcp port",
        lambda: _raised(lambda: parse_host_port("lab:http")),
        'address "lab:http": port "http" is not a number',
    ),
    ("tcp range", lambda: _raised(lambda: parse_host_port("lab:70000")), 'address "lab:70000": port 70000'),
    (
        "no link driver",
        lambda: _raised(
            lambda: make_driver_factory(
                load_profile("ble-thermometer").model_copy(update={"ble": None}),
                FakeClock(),
                ToleranceCounter(),
            ),
            LinkError,
        ),
        'protocol "ble" has no link driver yet',
    ),
    ("sender reply", _aborted_on_a_bad_reply, "reply 0x58 to frame"),
    (
        "no H record",
        lambda: _raised(lambda: astm_records.delimiters_from_header("P|1"), CodecError),
        'does not start with an H record: "P|1"',
    ),
    (
        "doubled backslash",
        lambda: _raised(lambda: astm_records.delimiters_from_header("H|\\\\^&|"), CodecError),
        'header delimiter field "\\\\\\\\^&" has 4 characters (doubled "\\\\"); '
        'profile switch doubled_backslash_header reads it as "\\\\^&"',
    ),
    (
        "delimiters",
        lambda: _raised(lambda: astm_records.delimiters_from_header("H|^^&|"), CodecError),
        'header delimiter field "^^&" must be 3 distinct characters',
    ),
    (
        "vidas checksum",
        lambda: _detail(vidas.decode_message(load_profile("biomerieux-mini_vidas"), _vidas(b"mtrsl|", "00"))),
        'checksum mismatch: packet says "00", computed "',
    ),
    (
        "vidas field",
        lambda: _detail(vidas.decode_message(load_profile("biomerieux-mini_vidas"), _vidas(b"\x1emt"))),
        'bad VIDAS field "mt"',
    ),
    (
        "vidas date",
        lambda: _detail(
            vidas.decode_message(
                load_profile("biomerieux-mini_vidas"), _vidas(b"\x1emtrsl|\x1etd31/12/24|\x1ett25:00|")
            )
        ),
        'date "31/12/24" time "25:00" is not MM/DD/YY HH:MM',
    ),
    (
        "gatt uuid",
        lambda: _raised(lambda: gatt_lines.short_uuid("glucose"), CodecError),
        '"glucose" is not a',
    ),
    (
        "gatt hex",
        lambda: _raised(lambda: gatt_lines.parse_command(b"write 2a52 zz"), CodecError),
        'write to 2a52: "zz" is not hex bytes',
    ),
    (
        "gatt command",
        lambda: _raised(lambda: gatt_lines.parse_command(b"read 2a18"), CodecError),
        'not a GATT command (subscribe, write or disconnect): "read 2a18"',
    ),
    ("frame number", lambda: _frame_problem(b"\x029H|\r\x03XX\r\n"), 'frame number "9" is not 0-7'),
    ("frame checksum", lambda: _frame_problem(b"\x021H|\r\x03G0\r\n"), 'checksum "G0" is not two hex digits'),
    ("frame trailer", _trailer_rejected, 'frame trailer "\\r\\u0000" is not CR LF'),
    (
        "no MSH",
        lambda: _raised(lambda: hl7.parse_message(b"PID|1||P\r", load_profile("generic-hl7")), CodecError),
        'HL7 message must start with MSH, got "PID|1||P\\r"',
    ),
    (
        "MSH-2",
        lambda: _raised(lambda: hl7.parse_message(b"MSH|^~|A|B\r", load_profile("generic-hl7")), CodecError),
        'MSH-2 encoding characters "^~" are incomplete',
    ),
    (
        "POCT1-A2 root",
        lambda: _raised(
            lambda: poct1a.parse_message(
                b'<HEL.R01><HDR><HDR.control_id V="1"/><HDR.message_type V="OBS.R01"/></HDR></HEL.R01>'
            ),
            CodecError,
        ),
        'HDR.message_type "OBS.R01" does not match the root element "HEL.R01"',
    ),
    (
        "POCT1-A2 time",
        lambda: _raised(lambda: poct1a.parse_time("yesterday"), ValueError),
        'not a POCT1-A2 timestamp (YYYY-MM-DDThh:mm:ss+hh:mm): "yesterday"',
    ),
    (
        "spotchem",
        lambda: _detail(
            spotchem.decode_message(
                load_profile("arkray-spotchem_el"),
                b"\x0224/10/29 13:08 ID# 1 [B. Plasma] Na 131 mmol/L ???\x03",
            )
        ),
        'cannot read analyte value unit from "???"',
    ),
    (
        "timestamp",
        lambda: _raised(lambda: parse_timestamp("31/12/2024", UTC), ValueError),
        'not a timestamp (YYYYMMDDHHMMSS): "31/12/2024"',
    ),
    (
        "unit list",
        lambda: _mapped("GLU", "mg/dL", "90", {"code": "glucose_random", "device_units": ["mmol/L"]}),
        'test "GLU": device unit "mg/dL", profile expects one of ["mmol/L"]',
    ),
    (
        "unit scale",
        lambda: _mapped("GLU", "mg/dL", "90", {"code": "glucose_random", "scale": 0.1}),
        'test "GLU": device unit "mg/dL" is not one the profile\'s scale 0.1',
    ),
    (
        "value scale",
        lambda: _mapped("GLU", None, "high", {"code": "glucose_random", "scale": 0.1}),
        'test "GLU": value "high" is not a number, cannot apply scale 0.1',
    ),
    (
        "encoding",
        lambda: _raised(
            lambda: profile_from_dict({"device_id": "x", "protocol": "astm", "encoding": "klingon"}),
            ProfileError,
        ),
        'unknown character encoding "klingon"',
    ),
    (
        "time zone",
        lambda: _raised(
            lambda: profile_from_dict({"device_id": "x", "protocol": "astm", "timezone": "Mars/Olympus"}),
            ProfileError,
        ),
        'unknown IANA time zone "Mars/Olympus"',
    ),
    (
        "line grammar",
        lambda: _raised(
            lambda: profile_from_dict({"device_id": "x", "protocol": "astm", "line_grammar": "nonin"}),
            ProfileError,
        ),
        'line_grammar is only for protocol "line", not "astm"',
    ),
    (
        "ble section",
        lambda: _raised(
            lambda: profile_from_dict(
                {"device_id": "x", "protocol": "astm", "ble": {"service": "glucose", "name": "Meter"}}
            ),
            ProfileError,
        ),
        '[ble] is only for protocol "ble", not "astm"',
    ),
    (
        "needs line grammar",
        lambda: _raised(lambda: profile_from_dict({"device_id": "x", "protocol": "line"}), ProfileError),
        'protocol "line" needs line_grammar',
    ),
    (
        "needs ble",
        lambda: _raised(lambda: profile_from_dict({"device_id": "x", "protocol": "ble"}), ProfileError),
        'protocol "ble" needs a [ble] table',
    ),
]


@pytest.mark.parametrize(("message", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_values_in_messages_are_written_as_json_writes_them(
    message: Callable[[], str], expected: str
) -> None:
    assert expected in message()


def test_a_missing_lf_after_the_checksum_is_logged_with_the_trailer_as_json(
    caplog: pytest.LogCaptureFixture,
) -> None:
    base = strict_profile()
    prof = base.model_copy(
        update={"tolerance": base.tolerance.model_copy(update={"missing_lf_after_checksum": True})}
    )
    rx = AstmReceiver(prof, FakeClock())
    with caplog.at_level(logging.WARNING):
        rx.receive_data(ENQ + build_frame(1, b"H|\\^&\r", True)[:-1] + b"\x04")
    assert 'trailer "\\r"' in caplog.text and "b'" not in caplog.text


def test_an_unknown_device_id_is_named_as_json(tmp_path: Path) -> None:
    gateway = Gateway([], tmp_path / "clinic.db", on_results=[].extend)
    with pytest.raises(LinkError) as caught:
        asyncio.run(gateway.serve_link("monitor", cast(Link, None)))
    assert str(caught.value) == 'unknown device id "monitor"; configured: []'
