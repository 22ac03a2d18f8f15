"""Wire-faithful fixtures: records split into <=240-character frames with checksums and CR LF,
and a fake clock. Built from trace content by the tests."""

from __future__ import annotations

from devices.codecs.astm_frame import build_frame, split_records
from devices.profile import DeviceProfile, profile_from_dict

ENQ, ACK, NAK, EOT, STX = b"\x05", b"\x06", b"\x15", b"\x04", b"\x02"


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def strict_profile(**overrides: object) -> DeviceProfile:
    data: dict[str, object] = {"device_id": "test-analyzer", "protocol": "astm"}
    data.update(overrides)
    return profile_from_dict(data)


def frames_for(records: list[bytes], size: int = 240) -> list[bytes]:
    return [build_frame(n + 1, text, final) for n, (text, final) in enumerate(split_records(records, size))]


def session(records: list[bytes], size: int = 240) -> bytes:
    return ENQ + b"".join(frames_for(records, size)) + EOT


def records_of(trace_text: bytes) -> list[bytes]:
    """Records of a capture whose frames were merged (strip framing, split on CR/LF)."""
    body = trace_text
    if body.startswith(STX):
        body = body[2 : body.rfind(b"\x03")]
    return [r for r in body.replace(b"\n", b"\r").split(b"\r") if r]


SAMPLE = [
    b"H|\\^&|||Afinion 2 Analyzer^^AF20052397|||||||P|1|20241206141235",
    b"P|1||3643|||||U",
    b"O|1||5|^^^HbA1c|||||||N||||^O||||||||^10228413||F",
    b"R|1|^^^HbA1c|5.9|%||||F||3643||20241206140615",
    b"L|1|N",
]
