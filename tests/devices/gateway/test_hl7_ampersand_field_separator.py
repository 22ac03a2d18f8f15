"""A message whose field separator is ``&`` and whose MSH-2 gives three encoding characters
(``MSH&^~\\&...``) has no subcomponent separator: HL7's default ``&`` is its field separator.

Decided (the session after 3e3c8158, which wrote such a message's ERR-1 with the code alone): it
is read, not refused. MSH-2 gives three characters, all distinct and none the field separator, so
nothing of it is ambiguous: the fields are split at ``&`` before anything could split a value at
a subcomponent separator, so none is cut; ``\\T\\`` (an escaped subcomponent separator) reads as
``&``, the character a sender writing it means; the ACK declares the same three (``MSH&^~\\&``)
and writes a ``&`` in its text as ``\\F\\``. Refusing it would have lost a device's results for a
clash its messages never meet. Through the codec, and over loopback MLLP to a live gateway into a
real SQLite file: AA echoing its control id, its two results stored, then an ORU^R01 with ``|`` on
the same connection. A regression guard: it passes at 4cf01f01 too (nothing was wrong)."""

from __future__ import annotations

from pathlib import Path

from devices.codecs import hl7
from devices.codecs.hl7_ack import build_ack
from tests.devices.codecs.wire import strict_profile
from tests.devices.gateway.harness import count, result_keys
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, _hl7, msa_fields
from tests.devices.gateway.test_hl7_other_message_types import answers_to

PROFILE = strict_profile(protocol="hl7")
BAR = _hl7("S2")  # the simulator's ORU^R01, control id CTL-S2
AMP = BAR.replace(b"|", b"&").replace(b"MSH&^~\\&&", b"MSH&^~\\&").replace(b"SYNTHETIC^PATIENT", b"A\\T\\B")


def test_the_codec_reads_it_with_no_subcomponent_separator_to_cut_at() -> None:
    assert AMP.startswith(b"MSH&^~\\&SIMULATOR&") and b"|" not in AMP
    message = hl7.parse_message(AMP, PROFILE)
    assert (message.enc.field, message.msh.raw(2), message.control_id) == ("&", "^~\\", "CTL-S2")
    assert message.all("PID")[0].components(5) == ["A&B"]  # \T\ reads as the character it stands for
    read_as = [[(r.sample_id, r.patient_id, r.vendor_code, r.value, r.unit, r.observed_at) for r in results]
               for results, _ in (hl7.decode_message(PROFILE, raw) for raw in (AMP, BAR))]  # fmt: skip
    assert read_as[0] == read_as[1] and len(read_as[0]) == 2
    ack = build_ack(message, "AE", text="R&D")
    assert ack.startswith(b"MSH&^~\\&TRIAGE&") and b"\rMSA&AE&CTL-S2&R\\F\\D\r" in ack
    read = hl7.parse_message(ack, PROFILE)
    assert (read.msh.raw(2), read.all("MSA")[0].components(3)) == ("^~\\", ["R&D"])


def test_over_mllp_it_is_acknowledged_and_stored_and_the_next_message_too(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    (amp, bar), status = answers_to(db_path, VT + AMP + FS_CR + VT + _hl7("S1") + FS_CR, 2)
    assert amp.startswith(b"MSH&^~\\&TRIAGE&CLINIC&SIMULATOR&SYNTHETIC&"), amp
    msa = next(s for s in amp.split(b"\r") if s.startswith(b"MSA"))
    assert msa == b"MSA&AA&CTL-S2"
    assert msa_fields(bar)[:3] == ["MSA", "AA", "CTL-S1"]
    assert sorted(result_keys(db_path)) == [
        ("S1", "HR", "final"),
        ("S1", "SPO2", "final"),
        ("S2", "HR", "final"),
        ("S2", "SPO2", "final"),
    ]
    assert count(db_path, "device_quarantine") == 0 and status.results == 4
