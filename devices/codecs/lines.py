"""Line protocols: small per-device grammars, and the framer that cuts a byte stream into units.

Grammars (one unit = one line, except the STX-framed vendor formats):

- ``nonin``: Nonin-style oximeter output once per second, ``SPO2=097 HR=072``; ``---`` means no
  value (missing, never zero); suffix characters ``*``, ``F``, ``B`` after a number are flags the
  device sets on a reading it does not vouch for - such readings are kept as ``preliminary``.
  Power-up banner lines are skipped through the profile's ``line_skip_patterns``.
- ``bp_csv``: a BP monitor's CSV line ``BP,<YYYYMMDDHHMM>,<sys>,<dia>,<map>,<pulse>`` with ``--``
  for an unused value (vendor codes SYS, DIA, MAP, PR).
- ``urine_strip``: a strip reader's line ``URS,<sample id>,<YYYYMMDDHHMM>,GLU=NEG,PRO=1+,...``
  (vendor codes are the pad names).
- ``vidas`` and ``spotchem``: see :mod:`devices.codecs.vidas` and :mod:`devices.codecs.spotchem`.

A line the grammar does not match is quarantined with its bytes and offset; it never crashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devices.mapping import Fields, build_result, parse_timestamp
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine, ResultStatus, message_id
from devices.tolerance import ToleranceCounter

_NONIN = re.compile(
    r"^SPO2=(?P<spo2>\d{1,3}|-{2,3})(?P<sf>[*FB]*)\s+HR=(?P<hr>\d{1,3}|-{2,3})(?P<hf>[*FB]*)\s*$",
    re.IGNORECASE,
)
_BP = re.compile(r"^BP,(?P<ts>\d{12}|-*),(?P<SYS>[^,]*),(?P<DIA>[^,]*),(?P<MAP>[^,]*),(?P<PR>[^,]*)\s*$")
_URS = re.compile(r"^URS,(?P<sid>[^,]*),(?P<ts>\d{12}|-*),(?P<items>.*?)\s*$")
_ITEM = re.compile(r"^(?P<code>[A-Z]{2,4})=(?P<value>[^,=]*)$")

#: What a line of each grammar above looks like, for the reason a line that is none says.
GRAMMAR_FORM = {
    "nonin": "SPO2=nnn HR=nnn (--- for no value; *, F or B after a value)",
    "bp_csv": "BP,YYYYMMDDhhmm,SYS,DIA,MAP,PR",
    "urine_strip": "URS,sample,YYYYMMDDhhmm,CODE=value,...",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """One value read by a grammar before mapping."""

    vendor_code: str
    value: str
    status: ResultStatus = "final"
    flags: tuple[str, ...] = ()
    unit: str | None = None


class LineFramer:
    """Cuts a byte stream into units for a line grammar: text lines (CR, LF or CR LF), or
    ``STX ... ETX`` (spotchem) / ``STX ... GS c c`` (vidas) packets. ``feed`` returns
    ``(unit bytes, stream offset)`` pairs; bytes outside a packet, and a packet cut short by the
    next STX (a device restarted mid-packet), are returned as units too so the grammar quarantines
    them instead of losing them silently - or losing the next packet with them."""

    def __init__(self, grammar: str, max_size: int = 65536) -> None:
        self.grammar = grammar
        self.max_size = max_size
        self._buf = bytearray()
        self._offset = 0

    def feed(self, data: bytes) -> list[tuple[bytes, int]]:
        self._buf += data
        out: list[tuple[bytes, int]] = []
        while self._buf:
            if self.grammar in ("vidas", "spotchem"):
                start = self._buf.find(b"\x02")
                if start < 0:
                    break  # bytes before any STX are reported once a packet starts, or at flush()
                if start > 0:
                    junk = bytes(self._buf[:start])
                    if junk.strip(b"\r\n"):
                        out.append((junk, self._offset))
                    self._take(start)
                    continue
                end_mark = b"\x1d" if self.grammar == "vidas" else b"\x03"
                end = self._buf.find(end_mark, 1)
                again = self._buf.find(b"\x02", 1)
                if again > 0 and (end < 0 or again < end):
                    # A new STX before this packet's end: the device restarted (power cycle) or
                    # gave the packet up. The cut packet is a unit of its own (quarantined); the
                    # next one was lost inside it, never checked against its checksum.
                    out.append((bytes(self._buf[:again]), self._offset))
                    self._take(again)
                    continue
                if end < 0 or (self.grammar == "vidas" and len(self._buf) < end + 3):
                    break
                stop = end + (3 if self.grammar == "vidas" else 1)
                out.append((bytes(self._buf[:stop]), self._offset))
                self._take(stop)
            else:
                m = re.search(rb"\r\n|\r|\n", self._buf)
                if m is None or (m.group() == b"\r" and m.end() == len(self._buf)):
                    break  # a lone CR at the end may be the first half of CR LF
                line = bytes(self._buf[: m.start()])
                if line.strip():
                    out.append((line, self._offset))
                self._take(m.end())
        if len(self._buf) > self.max_size:
            out.append((bytes(self._buf), self._offset))
            self._take(len(self._buf))
        return out

    def end_of_stream(self) -> list[tuple[bytes, int]]:
        """The stream ended: a text line ended by a lone CR (kept waiting for a possible LF) is
        complete. Anything else still buffered stays ``unfinished``."""
        if self.grammar in ("vidas", "spotchem") or not self._buf.endswith(b"\r"):
            return []
        return self.feed(b"\n")

    @property
    def unfinished(self) -> tuple[int, int] | None:
        """(stream offset, size) of the unit still waiting for its end, if any."""
        return (self._offset, len(self._buf)) if self._buf.strip() else None

    def flush(self) -> list[tuple[bytes, int]]:
        """The unfinished unit at end of stream (e.g. a last line without a line end)."""
        if not self._buf.strip():
            return []
        out = [(bytes(self._buf).rstrip(b"\r\n"), self._offset)]
        self._take(len(self._buf))
        return out

    def _take(self, n: int) -> None:
        del self._buf[:n]
        self._offset += n


def _nonin(text: str) -> list[Reading] | None:
    m = _NONIN.match(text.strip())
    if m is None:
        return None
    out = []
    for code, value, suffix in (("SPO2", m["spo2"], m["sf"]), ("HR", m["hr"], m["hf"])):
        flags = tuple(f"device_flag_{c.upper()}" for c in suffix)
        out.append(Reading(code, value, "preliminary" if flags else "final", flags))
    return out


def _bp(text: str) -> list[Reading] | None:
    m = _BP.match(text.strip())
    if m is None:
        return None
    return [Reading(code, m[code]) for code in ("SYS", "DIA", "MAP", "PR")]


def _urine(text: str) -> list[Reading] | None:
    m = _URS.match(text.strip())
    if m is None:
        return None
    out = []
    for item in m["items"].split(","):
        im = _ITEM.match(item.strip())
        if im is None:
            return None
        out.append(Reading(im["code"], im["value"]))
    return out


def decode_message(
    profile: DeviceProfile,
    raw: bytes,
    *,
    counter: ToleranceCounter | None = None,
    base_offset: int = 0,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """One unit (line or packet) of a line-protocol device -> results and quarantined items."""
    counter = counter or ToleranceCounter()
    grammar = profile.line_grammar
    if grammar == "vidas":
        from devices.codecs import vidas

        return vidas.decode_message(profile, raw, counter=counter, base_offset=base_offset)
    if grammar == "spotchem":
        from devices.codecs import spotchem

        return spotchem.decode_message(profile, raw, counter=counter, base_offset=base_offset)
    dev = profile.device_id
    try:
        text = raw.decode(profile.encoding)
    except UnicodeDecodeError as exc:
        detail = f"byte 0x{raw[exc.start]:02X} at {base_offset + exc.start} is not valid {profile.encoding}"
        return [], [Quarantine("undecodable_bytes", raw, base_offset, dev, detail)]
    if any(re.search(p, text) for p in profile.line_skip_patterns):
        return [], []
    sample_id: str | None = None
    when = None
    if grammar == "nonin":
        readings = _nonin(text)
    elif grammar == "bp_csv":
        readings = _bp(text)
        m = _BP.match(text.strip())
        when_text = m["ts"] if m else ""
    else:
        readings = _urine(text)
        m = _URS.match(text.strip())
        when_text = m["ts"] if m else ""
        sample_id = (m["sid"].strip() or None) if m else None
    if readings is None:
        return [], [
            Quarantine(
                "unparseable_line",
                raw,
                base_offset,
                dev,
                f"line does not match the {grammar} grammar, {GRAMMAR_FORM.get(grammar or '', '?')}"
                " (the profile's line_grammar: is it this device's?)",
            )
        ]
    if grammar != "nonin" and when_text.strip("-"):
        try:
            when = parse_timestamp(when_text, profile.zone)
        except ValueError as exc:
            return [], [Quarantine("bad_timestamp", raw, base_offset, dev, str(exc))]
    mid = message_id(raw)
    results: list[DeviceResult] = []
    problems: list[Quarantine] = []
    for r in readings:
        f = Fields(
            protocol="line",
            message_id=mid,
            sample_id=sample_id,
            patient_id=None,
            vendor_code=r.vendor_code,
            raw_value=r.value,
            device_unit=r.unit,
            status=r.status,
            qc=False,
            flags=r.flags,
            observed_at=when,
            reference_range=None,
            byte_offset=base_offset,
        )
        result, problem = build_result(f, profile, counter, raw)
        results.append(result)
        if problem is not None:
            problems.append(problem)
    return results, problems
