"""Fuzzing every device decoder (hypothesis, a few seconds each).

The property everywhere: a decoder returns results, or reports a problem that says where (a
byte offset, a frame number, a field) - never another exception, and never data dropped unseen.
Inputs: arbitrary bytes, the real captures damaged at random (bytes changed, cut out, inserted,
truncated), frames with wrong checksums, sessions cut short, frame numbers wrapping 7 -> 0 with
resends, HL7 and ASTM escape sequences, repetition separators, and delimiters redefined in the
MSH/H record. For a longer local run raise ``max_examples`` in ``FAST`` (not committed).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from devices.capture import read_capture
from devices.codecs import astm_records, hl7
from devices.codecs.astm_frame import build_frame
from devices.codecs.astm_link import (
    AstmReceiver,
    FrameAccepted,
    FrameRejected,
    MessageDiscarded,
    MessageReceived,
)
from devices.codecs.lines import LineFramer
from devices.codecs.mllp import MllpDecoder, MllpJunk, MllpMessage, MllpOverflow, MllpOverflowRest
from devices.codecs.poct1a import parse_message as poct1a_parse
from devices.decode import decode_message
from devices.errors import CodecError
from devices.profile import load_profile
from devices.results import DeviceResult, Quarantine
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import ENQ, EOT, FakeClock, frames_for, records_of, strict_profile

DATA = Path(__file__).parents[1] / "traces" / "data"
PROFILES = sorted(p.stem for p in (Path(__file__).parents[3] / "devices" / "profiles").glob("*.toml"))
SEEDS = {p.name: p.read_bytes() for p in sorted(DATA.iterdir()) if p.suffix != ".md"}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: bytes that matter to some framing or record grammar, so random damage hits them often
SPECIAL = b"\x02\x03\x04\x05\x06\x0a\x0b\x0d\x15\x17\x1c\x1d\x1e|\\^&~@"


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A real capture with a few random edits, or arbitrary bytes."""
    if draw(st.booleans()) and draw(st.booleans()):
        return draw(st.binary(max_size=300))
    return edited(draw, SEEDS[draw(st.sampled_from(sorted(SEEDS)))])


def edited(
    draw: st.DrawFn, data: bytes, special: bytes = SPECIAL, edits: int = 1, *, repeat: bool = False
) -> bytes:
    """``data`` with ``edits`` to 6 random edits: a byte changed (often to one of ``special``),
    bytes cut out or inserted, the rest cut off, and with ``repeat`` a piece sent again up to
    2,000 times (a huge repetition count)."""
    out = bytearray(data)
    for _ in range(draw(st.integers(edits, 6))):
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        kind = draw(st.sampled_from(["set", "delete", "insert", "truncate", *(["repeat"] if repeat else [])]))
        byte = draw(st.one_of(st.sampled_from(list(special)), st.integers(0, 255)))
        if kind == "set" and out:
            out[at] = byte
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            out[at:at] = bytes([byte]) * draw(st.integers(1, 3))
        elif kind == "repeat":
            out[at:at] = out[at : at + draw(st.integers(1, 12))] * draw(st.integers(2, 2000))
        else:
            del out[at:]
    return bytes(out)


def cut(data: bytes, points: list[int]) -> list[bytes]:
    marks = sorted({p % (len(data) + 1) for p in points} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(marks)]


def within(q: Quarantine, base: int, raw: bytes) -> bool:
    return q.byte_offset is None or base <= q.byte_offset <= base + len(raw)


# ---------------------------------------------------------------- any bytes, every decoder


@FAST
@given(name=st.sampled_from(PROFILES), raw=damaged(), base=st.integers(0, 5000))
def test_any_bytes_give_results_or_located_quarantine_with_every_profile(
    name: str, raw: bytes, base: int
) -> None:
    """decode_message (the gateway's one entry point) never raises for device data, and every
    problem it reports points inside the message it was given."""
    profile = load_profile(name)
    results, problems = decode_message(profile, raw, counter=ToleranceCounter(), base_offset=base)
    assert all(isinstance(r, DeviceResult) for r in results)
    bad = [q for q in problems if not within(q, base, raw)]
    assert not bad, f"offsets outside the message [{base}, {base + len(raw)}]: {bad}"


@FAST
@given(name=st.sampled_from(PROFILES), raw=damaged())
def test_any_capture_file_is_read_into_messages_or_quarantine(name: str, raw: bytes) -> None:
    items = list(read_capture(load_profile(name), raw, ToleranceCounter()))
    assert all(
        q.byte_offset is None or 0 <= q.byte_offset <= len(raw) for q in items if isinstance(q, Quarantine)
    )


@FAST
@given(raw=damaged(), base=st.integers(0, 5000))
def test_the_parsers_raise_only_a_codec_error_that_says_where(raw: bytes, base: int) -> None:
    astm = strict_profile()
    try:
        astm_records.parse_message(raw, astm, base_offset=base)
    except CodecError as exc:
        assert exc.byte_offset is not None and base <= exc.byte_offset <= base + len(raw), str(exc)
    try:
        hl7.parse_message(raw, load_profile("generic-hl7"))
    except hl7.Hl7ParseError as exc:
        assert exc.byte_offset is not None and exc.byte_offset <= len(raw), str(exc)
    try:
        poct1a_parse(raw)
    except CodecError as exc:
        assert exc.byte_offset is not None and exc.byte_offset <= len(raw), str(exc)


# ---------------------------------------------------------------- framers lose no byte


@FAST
@given(
    raw=st.lists(
        st.one_of(st.sampled_from([b"\x0b", b"\x1c\x0d", b"\x1c", b"\r", b"\n"]), st.binary(max_size=12)),
        max_size=30,
    ).map(b"".join),
    points=st.lists(st.integers(0, 1000), max_size=20),
    max_size=st.sampled_from([16, 64, 1 << 20]),
)
def test_mllp_accounts_for_every_byte_in_any_chunking(raw: bytes, points: list[int], max_size: int) -> None:
    """Each byte ends up in a message (with its start and end bytes), in junk, in an overflow (its
    head kept, its rest dropped and said) or in the unfinished frame; only CR/LF between frames goes unreported. Chunking changes nothing."""
    whole = MllpDecoder(max_size=max_size)
    expected = whole.feed(raw)
    chunked = MllpDecoder(max_size=max_size)
    got = [e for c in cut(raw, points) for e in chunked.feed(c)]
    # bytes outside frames are reported as they are read; messages do not depend on the reads
    if max_size > len(raw):  # (nor does an overflow, which is reported when it is seen)
        assert [e for e in got if isinstance(e, MllpMessage)] == [
            e for e in expected if isinstance(e, MllpMessage)
        ]
    for events, decoder in ((expected, whole), (got, chunked)):
        covered = bytearray(len(raw))
        for e in events:
            if isinstance(e, MllpMessage):
                size = len(e.data) + 3
                assert raw[e.offset : e.offset + size] == b"\x0b" + e.data + b"\x1c\x0d"
            elif isinstance(e, MllpJunk):
                size = len(e.data)
                assert raw[e.offset : e.offset + size] == e.data
            elif isinstance(e, MllpOverflow):
                size = e.size
                assert raw[e.offset : e.offset + size] == e.head  # the limit's worth, kept
            else:
                assert isinstance(e, MllpOverflowRest)
                size = e.size
            assert not any(covered[e.offset : e.offset + size]), "a byte reported twice"
            covered[e.offset : e.offset + size] = b"\x01" * size
        covered[len(raw) - decoder.buffered :] = b"\x01" * decoder.buffered
        if decoder.dropping is not None:  # a cut frame's rest whose end has not come
            at, size = decoder.dropping
            covered[at : at + size] = b"\x01" * size
        unreported = bytes(b for b, c in zip(raw, covered, strict=True) if not c)
        assert not unreported.strip(b"\r\n"), f"bytes dropped unseen: {unreported!r}"


@FAST
@given(
    grammar=st.sampled_from(["nonin", "bp_csv", "urine_strip", "vidas", "spotchem"]),
    raw=st.one_of(damaged(), st.binary(max_size=200)),
    points=st.lists(st.integers(0, 5000), max_size=20),
)
def test_line_framer_loses_no_byte_but_line_ends_and_blanks(
    grammar: str, raw: bytes, points: list[int]
) -> None:
    whole = LineFramer(grammar)
    units = [*whole.feed(raw), *whole.flush()]
    chunked = LineFramer(grammar)
    got = [u for c in cut(raw, points) for u in chunked.feed(c)] + chunked.flush()
    assert got == units
    kept = b"".join(u for u, _ in units)

    def content(b: bytes) -> list[int]:
        return sorted(x for x in b if x not in b" \t\r\n\x0b\x0c")

    assert content(kept) == content(raw)
    assert all(raw[off : off + len(u)] == u for u, off in units)


# ---------------------------------------------------------------- ASTM link: frames


TRACE_RECORDS = {
    name: records_of((DATA / f"{name}.astm").read_bytes())
    for name in ("abbott-afinion2", "siemens-dca_vantage", "sysmex-xp100", "cepheid-genexpert")
}


def run(chunks: list[bytes], *, lose_link: bool = True) -> list[object]:
    rx = AstmReceiver(strict_profile(), FakeClock())
    events: list[object] = []
    for c in chunks:
        rx.receive_data(c)
        events += iter(rx.next_event, None)
        rx.data_to_send()
    if lose_link:
        rx.link_lost("end of test")
        events += iter(rx.next_event, None)
    return events


def kept(events: list[object]) -> list[object]:
    return [
        e for e in events if isinstance(e, FrameAccepted | FrameRejected | MessageReceived | MessageDiscarded)
    ]


@FAST
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from([ENQ, EOT, b"\x02", b"\x03", b"\x17", b"\r\n", b"\x06", b"\x15"]),
            st.builds(
                lambda n, i, final: build_frame(n, TRACE_RECORDS["abbott-afinion2"][i % 5] + b"\r", final),
                st.integers(0, 9),
                st.integers(0, 4),
                st.booleans(),
            ),
            st.binary(max_size=8),
        ),
        max_size=25,
    ).map(b"".join),
    points=st.lists(st.integers(0, 3000), max_size=25),
)
def test_astm_receiver_any_bytes_any_chunking_same_outcome_and_no_frame_text_lost(
    parts: bytes, points: list[int]
) -> None:
    whole = run([parts])
    assert kept(run(cut(parts, points))) == kept(whole)
    appended = sum(e.size for e in whole if isinstance(e, FrameAccepted) and not e.duplicate)
    delivered = sum(len(e.data) for e in whole if isinstance(e, MessageReceived | MessageDiscarded))
    assert appended == delivered  # every accepted frame's text is delivered or reported discarded


@FAST
@given(
    name=st.sampled_from(sorted(TRACE_RECORDS)),
    size=st.integers(20, 240),
    resends=st.sets(st.integers(0, 200), max_size=6),
    points=st.lists(st.integers(0, 20_000), max_size=20),
)
def test_frame_numbers_wrap_7_to_0_and_a_resend_is_never_appended_twice(
    name: str, size: int, resends: set[int], points: list[int]
) -> None:
    records = TRACE_RECORDS[name]
    frames = frames_for(records, size)
    wire = ENQ + b"".join(f + f if i in resends else f for i, f in enumerate(frames)) + EOT
    events = run(cut(wire, points), lose_link=False)
    assert not [e for e in events if isinstance(e, FrameRejected)]
    accepted = [e for e in events if isinstance(e, FrameAccepted) and not e.duplicate]
    assert [e.number for e in accepted] == [(i + 1) % 8 for i in range(len(frames))]
    assert sum(e.duplicate for e in events if isinstance(e, FrameAccepted)) == len(
        resends & set(range(len(frames)))
    )
    assert [(m.data, m.complete) for m in events if isinstance(m, MessageReceived)] == [
        (b"".join(r + b"\r" for r in records), True)
    ]


@FAST
@given(
    name=st.sampled_from(sorted(TRACE_RECORDS)),
    which=st.integers(0, 100),
    wrong=st.integers(0, 255),
    lowercase=st.booleans(),
)
# the right sum C8 sent as c8 is no wrong sum (read in either case): never sent as one
@example(name="abbott-afinion2", which=1, wrong=0xC8, lowercase=True)
def test_a_wrong_checksum_is_naked_naming_frame_and_byte_and_the_resend_completes(
    name: str, which: int, wrong: int, lowercase: bool
) -> None:
    records = TRACE_RECORDS[name]
    frames = frames_for(records, 64)
    i = which % len(frames)
    good = frames[i]
    sent = (b"%02x" if lowercase else b"%02X") % wrong
    assume(sent.upper() != good[-4:-2].upper())  # the right sum in lowercase is read as right
    bad = good[:-4] + sent + b"\r\n"
    wire = ENQ + b"".join(frames[:i]) + bad + b"".join(frames[i:]) + EOT
    events = run([wire], lose_link=False)
    rejected = [e for e in events if isinstance(e, FrameRejected)]
    assert len(rejected) == 1
    assert rejected[0].number == (i + 1) % 8 and "checksum" in rejected[0].reason
    assert rejected[0].offset == len(ENQ + b"".join(frames[:i]))  # the byte of the frame's STX
    assert [m.data for m in events if isinstance(m, MessageReceived)] == [
        b"".join(r + b"\r" for r in records)
    ]


@FAST
@given(name=st.sampled_from(sorted(TRACE_RECORDS)), size=st.integers(30, 240), at=st.integers(0, 20_000))
def test_a_session_cut_anywhere_never_delivers_a_message_it_did_not_finish(
    name: str, size: int, at: int
) -> None:
    records = TRACE_RECORDS[name]
    frames = frames_for(records, size)
    wire = ENQ + b"".join(frames)
    cut_at = at % (len(wire) + 1)
    events = run([wire[:cut_at]])
    delivered = [m for m in events if isinstance(m, MessageReceived)]
    if cut_at == len(wire):
        assert [m.data for m in delivered] == [b"".join(r + b"\r" for r in records)]
    else:
        assert delivered == []
        partial = b"".join(e.data for e in events if isinstance(e, MessageDiscarded))
        assert b"".join(r + b"\r" for r in records).startswith(partial)


# ---------------------------------------------------------------- escapes


ASTM_NAMED = {"F": "field", "S": "component", "R": "repeat", "E": "escape", "H": "", "N": ""}
HL7_NAMED = {"F": "field", "S": "component", "T": "subcomponent", "R": "repeat", "E": "escape", ".br": "\n"}
PUNCT = "|\\^&~!#$%*+/:;=?@[]{}`"
#: printable Latin-1 text for field data (no CR/LF: they end records and segments; no DEL, and no
#: 255, which E1394 5.1 allows nowhere in an ASTM record - astm_records refuses the message)
TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFE, exclude_characters="\x7f"), max_size=20
)


@st.composite
def delimiter_set(draw: st.DrawFn, n: int) -> list[str]:
    return draw(st.lists(st.sampled_from(PUNCT), min_size=n, max_size=n, unique=True))


@FAST
@given(
    seps=delimiter_set(5),
    tokens=st.lists(
        st.one_of(
            st.tuples(st.just("text"), TEXT),
            st.tuples(st.just("named"), st.sampled_from(sorted(HL7_NAMED))),
            st.tuples(st.just("hex"), st.binary(min_size=1, max_size=4)),
        ),
        max_size=12,
    ),
    astm=st.booleans(),
)
def test_escape_sequences_resolve_to_what_they_stand_for(
    seps: list[str], tokens: list[tuple[str, object]], astm: bool
) -> None:
    """``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh..\\ \\.br\\`` (HL7) and ``&F& &S& &R& &E& &Xhh&`` (ASTM)
    mixed with ordinary text, with any escape character."""
    field, component, repeat, escape, sub = seps
    names = ASTM_NAMED if astm else HL7_NAMED
    chars = {"field": field, "component": component, "repeat": repeat, "escape": escape, "subcomponent": sub}
    wire, expected = "", ""
    for kind, value in tokens:
        if kind == "text":
            assert isinstance(value, str)
            wire += value.replace(escape, "")
            expected += value.replace(escape, "")
        elif kind == "named":
            if value not in names:
                continue
            wire += f"{escape}{value}{escape}"
            expected += chars.get(str(names[str(value)]), str(names[str(value)]))
        else:
            assert isinstance(value, bytes)
            wire += f"{escape}X{value.hex().upper()}{escape}"
            expected += value.decode("latin-1")
    if astm:
        d = astm_records.Delimiters(field, repeat, component, escape)
        assert astm_records.unescape(wire, d) == expected
    else:
        enc = hl7.Encoding(field, component, repeat, escape, sub)
        assert hl7.unescape(wire, enc) == expected


# ---------------------------------------------------------------- records: delimiters from the header


FLAGS = ["L", "H", "LL", "HH", "<", ">", "N", "A", "U", "D", "B", "W"]
STATUSES = {"F": "final", "C": "corrected", "X": "cannot_be_done", "P": "preliminary", "": "preliminary"}


@dataclass(frozen=True, slots=True)
class Row:
    """One result as a device would send it: ``values`` has several entries for a repeated value."""

    code: str
    values: list[str]
    unit: str
    flags: list[str]
    status: str
    time: datetime
    bad_type: bool  # the record starts with a stray frame number ("9R|...")


VALUE = TEXT.filter(lambda v: v.strip() != "" and v == v.strip() and v != '""')  # "" deletes: no value


@st.composite
def result_rows(draw: st.DrawFn) -> list[Row]:
    return [
        Row(
            code=f"T{n}" + draw(st.text(alphabet="ABCXYZ^|&\\~@#", max_size=4)),
            values=draw(st.lists(VALUE, min_size=1, max_size=3 if draw(st.integers(0, 4)) == 0 else 1)),
            unit=draw(TEXT.filter(lambda u: u == u.strip())),
            flags=draw(st.lists(st.sampled_from(FLAGS), max_size=3)),
            status=draw(st.sampled_from(sorted(STATUSES))),
            time=draw(st.datetimes(datetime(2000, 1, 1), datetime(2030, 12, 31))).replace(microsecond=0),
            bad_type=draw(st.integers(0, 9)) == 0,
        )
        for n in range(draw(st.integers(1, 6)))
    ]


def check_rows(
    rows: list[Row], offsets: list[int], results: list[DeviceResult], problems: list[Quarantine], zone: tzinfo
) -> None:
    """Each row is a result with its code, value, unit, flags, status and time - or, if it holds
    several values or has no valid record type, a quarantine item at its byte; after a row of no
    valid record type (it may have been a P record) every result row is held at its byte."""
    by_offset = {r.byte_offset: r for r in results}
    held = {q.byte_offset: q.reason for q in problems if not q.with_result}
    assert len(results) + len(held) == len(rows)
    unread = False
    for row, off in zip(rows, offsets, strict=True):
        if row.bad_type:
            assert held.get(off) == "unknown_record"
            unread = True
        elif unread:
            assert held.get(off) == "after_unreadable_record"
        elif len(row.values) > 1:
            assert held.get(off) == "repeated_value"
        else:
            r = by_offset[off]
            assert (r.vendor_code, r.raw_value, r.device_unit) == (row.code, row.values[0], row.unit or None)
            assert list(r.flags[: len(row.flags)]) == row.flags
            assert r.status == STATUSES[row.status]
            assert r.observed_at == row.time.replace(tzinfo=zone)


@FAST
@given(seps=delimiter_set(4), rows=result_rows())
def test_astm_results_survive_any_header_delimiters_escapes_and_repeats(
    seps: list[str], rows: list[Row]
) -> None:
    field, repeat, component, escape = seps
    d = astm_records.Delimiters(field, repeat, component, escape)
    profile = load_profile("generic-astm")
    records = [f"{d.header_text()}{field}{field}{field}SENDER", f"P{field}1", f"O{field}1{field}S-1"]
    for n, row in enumerate(rows, 1):
        fields = [
            "9R" if row.bad_type else "R",
            str(n),
            component * 3 + astm_records.escape(row.code, d),
            repeat.join(astm_records.escape(v, d) for v in row.values),
            astm_records.escape(row.unit, d),
            "",
            repeat.join(row.flags),
            "",
            row.status,
            "",
            "",
            "",
            row.time.strftime("%Y%m%d%H%M%S"),
        ]
        records.append(field.join(fields))
    records.append(f"L{field}1{field}N")
    raw = "\r".join(records).encode("latin-1") + b"\r"
    offsets = [m.start() + 1 for m in re.finditer(rb"\r9?R", raw)]
    results, problems = astm_records.decode_message(profile, raw)
    check_rows(rows, offsets, results, problems, profile.zone)


@FAST
@given(seps=delimiter_set(5), rows=result_rows())
def test_hl7_results_survive_any_msh2_encoding_characters_escapes_and_repetitions(
    seps: list[str], rows: list[Row]
) -> None:
    fs, component, repeat, escape, sub = seps
    enc = hl7.Encoding(fs, component, repeat, escape, sub)
    profile = load_profile("generic-hl7")
    msh = ["MSH", component + repeat + escape + sub, "DEV", "", "", "", "20240301101500", ""]
    segments = [
        fs.join([*msh, f"ORU{component}R01", "M1", "P", "2.5"]),
        fs.join(["PID", "1", "", "PAT-1"]),
        fs.join(["OBR", "1", "", "S-1"]),
    ]
    rows = [replace(r, bad_type=False) for r in rows]  # HL7 has no record type to get wrong
    for n, row in enumerate(rows, 1):
        value = repeat.join(hl7.escape(v, enc) for v in row.values)
        flags = repeat.join(row.flags)
        obx = ["OBX", str(n), "ST", hl7.escape(row.code, enc), "", value, hl7.escape(row.unit, enc), ""]
        segments.append(fs.join([*obx, flags, "", "", row.status, "", "", row.time.strftime("%Y%m%d%H%M%S")]))
    raw = "\r".join(segments).encode("latin-1") + b"\r"
    offsets = [m.start() + 1 for m in re.finditer(rb"\rOBX", raw)]
    results, problems = hl7.decode_message(profile, raw)
    check_rows(rows, offsets, results, problems, profile.zone)


@pytest.mark.parametrize(
    ("chars", "ok"),
    [("^~\\&", True), ("^~\\&#", True), ("^^\\&", False), ("^~\\\\", False), ("^~\\^", False), ("^~&", True)],
)
def test_msh2_encoding_characters_must_be_distinct(chars: str, ok: bool) -> None:
    raw = f"MSH|{chars}|DEV||||20240301101500||ORU^R01|M1|P|2.5\rOBX|1|NM|GLU||7.8^9.1|mmol/L\r".encode()
    if ok:
        hl7.parse_message(raw, load_profile("generic-hl7"))
        return
    with pytest.raises(hl7.Hl7ParseError, match=r"^byte 4: MSH-2 encoding characters .* must differ") as info:
        hl7.parse_message(raw, load_profile("generic-hl7"))
    assert info.value.field == 2


def test_a_repeated_value_is_quarantined_whole_and_a_single_one_in_any_repetition_is_kept() -> None:
    profile = load_profile("generic-astm")
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^GLU|5.5\\6.1|mmol/L||N||F\rR|2|^^^K|\\4.1\\|mmol/L||N||F\rL|1|N\r"
    results, problems = astm_records.decode_message(profile, raw)
    assert [(r.vendor_code, r.value) for r in results] == [("K", "4.1")]
    (held,) = [q for q in problems if q.reason == "repeated_value"]
    assert held.byte_offset == raw.index(b"R|1|") and "R.4 holds 2 values" in held.detail
    hl7_raw = (
        b"MSH|^~\\&|D||||20240301||ORU^R01|M1|P|2.5\rOBX|1|NM|GLU||7.8~9.1|mmol/L\rOBX|2|NM|K||~4.1|mmol/L\r"
    )
    results, problems = hl7.decode_message(load_profile("generic-hl7"), hl7_raw, base_offset=100)
    assert [(r.vendor_code, r.value) for r in results] == [("K", "4.1")]
    (held,) = [q for q in problems if q.reason == "repeated_value"]
    assert held.byte_offset == 100 + hl7_raw.index(b"OBX|1") and "OBX-5 holds 2 values" in held.detail


def test_a_record_of_unknown_type_is_quarantined_not_skipped() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\r2R|1|^^^K|4.1|mmol/L||N||F\rR|2|^^^NA|140|mmol/L||N||F\rL|1|N\r"
    results, problems = astm_records.decode_message(load_profile("generic-astm"), raw, base_offset=7)
    assert results == []  # NA after it is held: the unreadable record may have started a new patient
    assert [(q.reason, q.byte_offset) for q in problems if q.byte_offset == 7 + raw.index(b"R|2|")] == [
        ("after_unreadable_record", 7 + raw.index(b"R|2|"))
    ]
    (held,) = [q for q in problems if q.reason == "unknown_record"]
    assert held.byte_offset == 7 + raw.index(b"2R|") and '"2R"' in held.detail


def test_an_lf_between_records_is_named_at_its_byte_in_the_capture() -> None:
    with pytest.raises(CodecError, match=r"^byte 109: LF inside ASTM record text"):
        astm_records.parse_message(b"H|\\^&\rP|1\nL|1|N\r", strict_profile(), base_offset=100)


def test_a_message_cut_short_by_eot_is_emitted_at_the_eot_byte() -> None:
    wire = ENQ + build_frame(1, b"H|\\^&\r", True) + EOT
    (message,) = [m for m in run([wire], lose_link=False) if isinstance(m, MessageReceived)]
    assert not message.complete and message.offset == wire.index(EOT)
