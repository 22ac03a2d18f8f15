"""An error ACK is written with the encoding characters the message declared, and read back whole.

What was wrong, two ways:

* ERR-1 (the error's location and code, up to v2.4) joined the code, its text and table 0357 with
  HL7's default subcomponent separator ``&`` whatever the message declared: with the field
  separator ``&`` and a valid MSH-2 of three (``MSH&^~\\``), ERR-1 split into three fields
  (``ERR&MSH^1^18^103&Table value not found&HL70357``). The message has no subcomponent separator,
  so ERR-1 now carries the code alone (``MSH^1^18^103``); with one (``|^~\\&``, ``|^~\\#``) it is
  used, as before.
* The ACK's own MSH-10 (``ACK`` and the message's) was cut at a lone ``\\`` as if it began an escape
  sequence - ``C\\1`` gave ``ACKC`` - even from a message whose MSH-2 declared no escape character,
  where ``\\`` is text. The ACK declares ``\\`` its escape, so it now writes it ``\\E\\``: read back,
  MSH-10 is ``ACKC\\1``. A declared escape's sequences are kept, and cut whole, as before.

Each ACK is read back by this codec's own parser, as a receiver reads it."""

from __future__ import annotations

import pytest

from devices.codecs.hl7 import TABLE_VALUE_NOT_FOUND, Hl7ParseError, parse_message
from devices.codecs.hl7_ack import build_error_ack
from tests.devices.codecs.wire import strict_profile

PROFILE = strict_profile(protocol="hl7")


def _message(fs: str, msh2: str, control_id: str = "MSG-7", version: str = "2.3.1") -> bytes:
    fields = ["LAB", "DEV", "LIS", "CLINIC", "20260105083000", "", "ORU^R01", control_id, "P", version]
    return (f"MSH{fs}{msh2}{fs}" + fs.join(fields) + f"\rPID{fs}1{fs}{fs}P1\r").encode()


def _answer(raw: bytes, error: Hl7ParseError) -> bytes:
    ack = build_error_ack(raw, error, PROFILE)
    assert ack is not None
    return ack


MSH18 = Hl7ParseError("byte 60: MSH-18 unknown", segment="MSH", field=18, condition=TABLE_VALUE_NOT_FOUND)


def test_err1_of_a_message_whose_field_separator_is_the_default_subcomponent_stays_one_field() -> None:
    raw = _message("&", "^~\\")
    parse_message(raw, PROFILE)  # a valid message: MSH-2 of three, none the field separator
    ack = _answer(raw, MSH18)
    read = parse_message(ack, PROFILE)
    (err,) = read.all("ERR")
    assert len(err.fields) == 2, ack  # ERR-1 alone: nothing spilt into ERR-2, ERR-3
    assert err.components(1) == ["MSH", "1", "18", "103"]
    assert read.all("MSA")[0].raw(1) == "AE"


@pytest.mark.parametrize(
    ("fs", "msh2", "sub"), [("|", "^~\\&", "&"), ("|", "^~\\#", "#"), ("|", "^~\\", "&")]
)
def test_err1_keeps_the_code_text_and_table_in_the_subcomponents_the_message_has(
    fs: str, msh2: str, sub: str
) -> None:
    ack = _answer(_message(fs, msh2), MSH18)
    (err,) = parse_message(ack, PROFILE).all("ERR")
    assert err.components(1)[:3] == ["MSH", "1", "18"]
    assert err.components(1)[3].split(sub) == ["103", "Table value not found", "HL70357"]


def _refused_control_id(msh2: str, control_id: str) -> tuple[str, str]:
    raw = _message("|", msh2, control_id, "2.5")
    with pytest.raises(Hl7ParseError) as caught:
        parse_message(raw, PROFILE)  # MSH-2 incomplete
    read = parse_message(_answer(raw, caught.value), PROFILE)
    return read.msh.raw(10), read.msh.components(10)[0]


@pytest.mark.parametrize(
    ("msh2", "control_id", "written"),
    [
        ("^~", "C\\1", "ACKC\\E\\1"),  # no escape declared: "\" is text
        ("^~", "C\\", "ACKC\\E\\"),
        ("^", "C~1", "ACKC\\R\\1"),  # no repetition separator declared either: "~" is text
        ("^~", "C&1", "ACKC\\T\\1"),
        ("", "C\\1", "ACKC\\E\\1"),
    ],
)
def test_an_undeclared_escape_character_in_msh10_is_text_the_ack_escapes(
    msh2: str, control_id: str, written: str
) -> None:
    raw_field, text = _refused_control_id(msh2, control_id)
    assert raw_field == written and text == "ACK" + control_id


def test_a_declared_escape_sequence_in_msh10_is_kept_and_never_cut_inside() -> None:
    ack = _answer(_message("|", "^~\\&", "C\\T\\1"), MSH18)
    assert parse_message(ack, PROFILE).msh.raw(10) == "ACKC\\T\\1"
    long = "X" * 194 + "\\T\\1"  # ACK + 194 = 197: the sequence would end past 199 characters
    ack = _answer(_message("|", "^~\\&", long, "2.7"), MSH18)
    assert parse_message(ack, PROFILE).msh.raw(10) == "ACK" + "X" * 194
