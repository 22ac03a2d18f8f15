"""The refusal of a message whose MSH-2 is incomplete is an ACK its receiver can read.

What was wrong: a message whose MSH-2 (encoding characters) holds fewer than three is refused AE,
and the answer was written with HL7's default ``^~\\&`` - whatever the message's field separator.
A device whose field separator is one of them (``^``, ``~``, ``\\`` or ``&``) got an ACK whose MSH-2
held its own field separator: every MSH field after it moved one place (MSH-9, MSH-10 read as the
next ones), and with ``\\`` the escapes of MSA-3's text cut it into MSA-4, MSA-5 and MSA-6 - which
HL7 gives other meanings (expected sequence number, delayed ACK type, error condition); with ``^``
the ERR's location and code did the same. The answer now declares four encoding characters - the
message's own where it gave them, else HL7's, else a spare (``#``) -, none of them the field
separator, all four in its MSH-2, and writes with them: read back, MSH-9 is ``ACK^R01^ACK`` (in
its component separator), MSA-2 the message's MSH-10 and MSA-3 the text, whole."""

from __future__ import annotations

import pytest

from devices.codecs.hl7 import Hl7ParseError, parse_message
from devices.codecs.hl7_ack import build_error_ack
from tests.devices.codecs.wire import strict_profile

PROFILE = strict_profile(protocol="hl7")
FIELDS = ["LAB", "DEV", "LIS", "CLINIC", "20260105083000", "", "ORU{c}R01", "MSG-7", "P", "{version}"]


def _message(fs: str, msh2: str, version: str) -> bytes:
    component = "^" if fs != "^" else "~"
    fields = [f.format(c=component, version=version) for f in FIELDS]
    return (f"MSH{fs}{msh2}{fs}" + fs.join(fields) + f"\rPID{fs}1{fs}{fs}P1\r").encode()


def _refusal(raw: bytes) -> tuple[str, bytes]:
    with pytest.raises(Hl7ParseError) as caught:
        parse_message(raw, PROFILE)
    ack = build_error_ack(raw, caught.value, PROFILE)
    assert ack is not None
    return str(caught.value), ack


@pytest.mark.parametrize("version", ["2.3.1", "2.5"])
@pytest.mark.parametrize(
    ("fs", "msh2"), [("|", "^~"), ("^", "~\\"), ("~", "^"), ("\\", "^~"), ("&", ""), ("&", "^~")]
)
def test_the_refusal_of_an_incomplete_msh2_reads_back_whole(fs: str, msh2: str, version: str) -> None:
    text, ack = _refusal(_message(fs, msh2, version))
    assert "MSH-2 encoding characters" in text and "are incomplete" in text
    read = parse_message(ack, PROFILE)  # an ACK this codec, as any receiver, can parse
    chars = read.msh.raw(2)
    assert len(chars) == 4 and fs not in chars and len(set(chars)) == 4
    msh, msa = read.msh, read.all("MSA")[0]
    assert (msh.first(9), msh.components(9)[1], msh.raw(10), msh.raw(12)) == (
        "ACK",
        "R01",
        "ACKMSG-7",
        version,
    )
    assert (msa.raw(1), msa.raw(2)) == ("AE", "MSG-7")
    assert len(msa.fields) == 4  # MSA-3 whole, nothing spilt into MSA-4, MSA-5 or MSA-6
    said = msa.components(3)[0]  # within MSA-3's 80, its escapes read
    assert said == text or (said.endswith("...") and text.startswith(said[:-3]) and len(said) > 40)
    (err,) = read.all("ERR")
    if version == "2.5":
        assert err.components(2) == ["MSH", "1", "2"]
        assert err.components(3) == ["102", "Data type error", "HL70357"]
        assert (err.raw(4), err.components(7)[0]) == ("E", text)
    else:
        assert err.components(1)[:3] == ["MSH", "1", "2"]
        assert err.components(1)[3].split(read.enc.subcomponent) == ["102", "Data type error", "HL70357"]


def test_a_usual_field_separator_keeps_the_usual_characters() -> None:
    _, ack = _refusal(_message("|", "^~", "2.5"))
    assert ack.startswith(b"MSH|^~\\&|LIS|CLINIC|LAB|DEV|")
