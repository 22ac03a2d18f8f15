"""The ACK's own MSH, checked against HL7 v2.5.1 ch. 2 (the ACK message: MSH-9
``ACK^<trigger event>^ACK``, MSA-2 the message's MSH-10), through the real MLLP link driver.

What was wrong: MSH-9 had no message structure (``ACK^R01``, MSH-9.3 exists from v2.3.1); its
trigger was taken unescaped, so ``ORU^R\\F\\01`` put the ACK's own field separator into it and
every field after it moved (the ACK's MSH-10 read ``01``); with the field separator ``&`` and a
three-character MSH-2 the ACK declared ``^~\\&``, a sub-component separator equal to its field
separator, so it could not be read; an MSH-10 cut to 199 characters could end inside an escape
sequence; and an empty MSH-10 was answered with MSA-2 empty and the ACK's MSH-10 ``ACK`` -
the same for every such message - without a word."""

from __future__ import annotations

import pytest

from devices.codecs import hl7, hl7_ack
from devices.codecs.mllp import frame
from devices.link_drivers import Hl7Driver
from devices.session import Received, Send
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import strict_profile

PROFILE = strict_profile(protocol="hl7")
OBX = "OBX|1|NM|GLU||5.6|mmol/L|||||F"


def _message(
    msh9: str = "ORU^R01", msh10: str = "M1", version: str = "2.5.1", *, fs: str = "|", chars: str = "^~\\&"
) -> bytes:
    msh = fs.join(["MSH", chars, "LAB", "X", "", "", "20261206101500", "", msh9, msh10, "P", version])
    return (msh + "\r" + OBX.replace("|", fs) + "\r").encode("latin-1")


def _ack(raw: bytes) -> hl7.Hl7Message:
    """The driver's answer to ``raw``, after it is stored, read back as an HL7 message."""
    events = Hl7Driver(PROFILE, ToleranceCounter(logged=False)).feed(frame(raw), 0.0)
    assert isinstance(events[0], Received) and events[0].raw == raw
    (sent,) = [e.data for e in events if isinstance(e, Send)]
    return hl7.parse_message(sent[1:-2], PROFILE)


@pytest.mark.parametrize(
    ("msh9", "version", "expected"),
    [
        ("ORU^R01", "2.5.1", "ACK^R01^ACK"),
        ("ORU^R01^ORU_R01", "2.3.1", "ACK^R01^ACK"),
        ("ORU^R30^ORU_R30", "2.5.1", "ACK^R30^ACK"),
        ("ORU^R31^ORU_R31", "2.5.1", "ACK^R31^ACK"),
        ("ORU^R32^ORU_R32", "2.5.1", "ACK^R32^ACK"),
        ("OUL^R22^OUL_R22", "2.5.1", "ACK^R22^ACK"),
        ("ORU^ R01 ", "2.7", "ACK^R01^ACK"),  # padding is no part of the trigger
        ("ORU^R01", "2.3", "ACK^R01"),  # no message structure before v2.3.1
        ("ORU", "2.5.1", "ACK^^ACK"),  # no trigger: none acknowledged
        ("ORU", "2.2", "ACK"),
    ],
)
def test_the_acks_msh9_is_ack_the_trigger_and_from_v231_the_structure_ack(
    msh9: str, version: str, expected: str
) -> None:
    ack = _ack(_message(msh9, version=version))
    assert ack.msh.raw(9) == expected
    assert (ack.msh.raw(10), ack.all("MSA")[0].raw(1), ack.all("MSA")[0].raw(2)) == ("ACKM1", "AA", "M1")


@pytest.mark.parametrize("trigger", ["R\\F\\01", "R01\\S\\X", "R\\R\\1", "R\\E\\1"])
def test_an_escape_sequence_in_the_trigger_stays_one_and_moves_no_field(trigger: str) -> None:
    ack = _ack(_message(f"ORU^{trigger}"))
    assert ack.msh.raw(9) == f"ACK^{trigger}^ACK"
    assert (ack.msh.raw(10), ack.msh.raw(11), ack.msh.raw(12)) == ("ACKM1", "P", "2.5.1")


@pytest.mark.parametrize(
    ("fs", "chars"), [("#", "^~\\&"), ("!", "@#$%"), ("&", "^~\\"), ("|", "^~\\"), ("|", "^~\\&#")]
)
def test_an_unusual_field_separator_or_msh2_gives_an_ack_read_the_same_way(fs: str, chars: str) -> None:
    ack = _ack(_message(f"ORU{chars[0]}R01", fs=fs, chars=chars))
    assert ack.enc.field == fs and ack.msh.raw(2) == (chars if len(chars) == 3 else chars[:4])
    assert ack.msh.raw(9) == chars[0].join(["ACK", "R01", "ACK"])
    assert (ack.msh.raw(10), ack.all("MSA")[0].raw(1), ack.all("MSA")[0].raw(2)) == ("ACKM1", "AA", "M1")


def test_a_long_control_id_is_never_cut_inside_an_escape_sequence() -> None:
    control = "x" * 195 + "\\F\\y"  # "ACK" + 195 x: the 199th character is the escape's first
    ack = _ack(_message(msh10=control))
    assert ack.msh.raw(10) == "ACK" + "x" * 195 and ack.all("MSA")[0].raw(2) == control
    assert ack.msh.raw(11) == "P"


@pytest.mark.parametrize("version", ["2.5.1", "2.3.1"])
def test_an_empty_control_id_is_accepted_saying_so_with_an_acks_control_id_of_its_own(version: str) -> None:
    ack = _ack(_message(msh10="", version=version))
    msa = ack.all("MSA")[0]
    assert (msa.raw(1), msa.raw(2), msa.raw(3)) == ("AA", "", hl7_ack.NO_CONTROL_ID)
    assert ack.msh.raw(10) == "ACK" + ack.msh.raw(7)  # its own time, not "ACK" for every one
    errors = [(e.raw(2), e.raw(3), e.raw(4)) for e in ack.all("ERR")]
    if version == "2.5.1":  # ERR-2 to ERR-4 from v2.5: where, table 0357's 101, a warning
        assert errors == [("MSH^1^10", "101^Required field missing^HL70357", "W")]
    else:
        assert errors == []
