"""A SPOTCHEM EL packet the codec cannot read is quarantined saying the byte, what it found there,
what a packet is, and the question to ask: a capture of another device replayed with the
SPOTCHEM profile said "not an STX ... ETX SPOTCHEM packet" at byte 0, a garbled header "header
'YY/MM/DD HH:MM ID# <id> [<specimen>]' not found" at the packet's STX, and a date that is none its
text alone ('24/13/40 13:08'). The real SPOTCHEM EL and mini VIDAS captures, and the SPOTCHEM one
with one thing changed."""

from __future__ import annotations

import pytest

from devices.codecs import spotchem
from devices.profile import load_profile
from tests.devices.gateway.devices_cli import TRACES

PROFILE = load_profile("arkray-spotchem_el")
PACKET = (TRACES / "arkray-spotchem_el_se1520.raw").read_bytes()
WHICH = "(is it the SPOTCHEM EL's output, and its profile the device's?)"
FORM = "'YY/MM/DD HH:MM ID# <id> [<specimen>] <analyte> <value> <unit> ...'"


def _refused(raw: bytes) -> tuple[str, str, int | None]:
    results, problems = spotchem.decode_message(PROFILE, raw, base_offset=100)
    assert results == []
    (problem,) = problems
    return problem.reason, problem.detail, problem.byte_offset


def test_the_real_packet_decodes() -> None:
    results, _ = spotchem.decode_message(PROFILE, PACKET)
    assert [(r.vendor_code, r.value) for r in results] == [("Na", "131"), ("K", "9.7"), ("Cl", "96")]


def test_another_device_s_capture_names_the_byte_that_is_no_etx() -> None:
    vidas = (TRACES / "biomerieux-mini_vidas.raw").read_bytes()
    reason, detail, at = _refused(vidas)
    last = vidas.rstrip(b"\r\n")[-1]
    assert (reason, at) == ("unparseable_message", 100 + len(vidas.rstrip(b"\r\n")) - 1)
    assert (
        detail
        == f"the packet ends with 0x{last:02X}, not ETX (0x03): a SPOTCHEM EL packet is STX {FORM} ETX {WHICH}"
    )


@pytest.mark.parametrize(("first", "said"), [(b"\x01", "0x01"), (b"", "0x32")])
def test_a_packet_without_its_stx_names_the_first_byte(first: bytes, said: str) -> None:
    reason, detail, at = _refused(first + PACKET[1:])
    assert (reason, at) == ("unparseable_message", 100)
    assert detail.startswith(
        f"the packet starts with {said}, not STX (0x02): a SPOTCHEM EL packet is STX "
    ), detail


def test_a_garbled_header_shows_how_the_packet_begins() -> None:
    reason, detail, at = _refused(PACKET.replace(b"ID# ", b"IX: "))
    assert (reason, at) == ("unparseable_message", 101)
    assert detail == (
        'the packet begins "24/10/29 13:08 IX: 1DC042FP   [B. Plasma", not the header'
        f" 'YY/MM/DD HH:MM ID# <id> [<specimen>]' of a SPOTCHEM EL packet ({FORM}) {WHICH}"
    )


def test_a_date_that_is_none_is_named_with_its_byte_and_what_to_check() -> None:
    reason, detail, at = _refused(PACKET.replace(b"24/10/29", b"24/13/40"))
    assert (reason, at) == ("bad_timestamp", 101)
    assert (
        detail
        == "the header's date and time \"24/13/40 13:08\" is no date (YY/MM/DD HH:MM): check the analyzer's clock"
    )
