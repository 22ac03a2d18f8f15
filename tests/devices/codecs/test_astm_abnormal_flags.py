"""An ASTM result's abnormal flags (R.7): every one read, not only the first; an unknown one said.

E1394 / LIS2-A2 R.7 (result abnormal flags) takes L, H, LL, HH, < (below absolute low: off the
instrument's low scale), > (above absolute high), N, A, U, D, B and W, and a device may send
several, repeat-delimited (``H\\>``). The codec kept them all as flags but read none of them:
a value the device flagged off its scale (``8.0`` with ``>``: above 8.0, not 8.0) went to triage
as the exact number, and a flag E1394 does not define (``*``, a vendor's "result suspect") went
by without a word, the result fed to triage as final. Now ``<`` or ``>`` anywhere in R.7 censors
a plain number (``>8.0``), and an unknown flag holds the result (stored preliminary, flag
``abnormal_flag_unknown:*``) saying which flag and what the known ones are. The real XN-550
capture with its HGB record's R.7 changed, its frame checksum made right.
"""

from __future__ import annotations

import pytest

from devices.codecs.astm_frame import checksum
from devices.hold import holds
from devices.profile import load_profile
from devices.results import DeviceResult, to_inbox_result
from tests.devices.traces.golden_io import DATA
from triage.intake import ReplayReport, replay_capture
from triage.observation import Observation

HGB = b"R|3|^^^^HGB^1|8.0|g/dL||N||F||||20240627135407\r"


def _with_hgb_flags(flags: bytes) -> bytes:
    """The XN-550 capture (one frame) with the HGB result's R.7 set to ``flags``."""
    capture = (DATA / "sysmex-xn550.astm").read_bytes()
    assert capture.count(HGB) == 1
    at = capture.index(b"\x03")
    frame = capture[:at].replace(HGB, HGB.replace(b"||N||", b"||" + flags + b"||")) + b"\x03"
    return frame + checksum(frame[1:]) + capture[at + 3 :]


def _hgb(flags: bytes) -> tuple[ReplayReport, DeviceResult, Observation | None]:
    report = replay_capture(load_profile("sysmex-xn550"), _with_hgb_flags(flags))
    (result,) = [r for r in report.results if r.vendor_code == "HGB"]
    observed = {obs.code: obs for _, obs in report.observations}
    return report, result, observed.get("hemoglobin")


@pytest.mark.parametrize(
    ("flags", "comparator"), [(b">", ">"), (b"H\\>", ">"), (b"<", "<"), (b"L\\A\\<", "<")]
)
def test_an_off_scale_flag_censors_the_value_wherever_it_stands(flags: bytes, comparator: str) -> None:
    _, result, hemoglobin = _hgb(flags)
    assert result.value == f"{comparator}8.0"
    assert result.raw_value == "8.0"  # the field as sent
    assert hemoglobin is not None and hemoglobin.comparator == comparator and hemoglobin.value == 80.0


def test_every_known_flag_is_kept_in_order() -> None:
    _, result, hemoglobin = _hgb(b"L\\A\\LL")
    assert result.flags[:3] == ("L", "A", "LL")
    assert result.value == "8.0" and result.status == "final"
    assert hemoglobin is not None and hemoglobin.comparator is None


@pytest.mark.parametrize("unknown", [b"*", b"H\\*", b"h"])
def test_an_unknown_flag_holds_the_result_and_says_which(unknown: bytes) -> None:
    report, result, hemoglobin = _hgb(unknown)
    flag = unknown.rsplit(b"\\", 1)[-1].decode()
    assert hemoglobin is None  # not fed to triage
    assert result.status == "preliminary"
    assert f"abnormal_flag_unknown:{flag}" in result.flags
    (why,) = [
        why
        for kind, why in holds(to_inbox_result(result, "2024-06-27T13:55:00+08:00"))
        if kind == "not_final"
    ]
    assert why.startswith(f'the device flagged the result "{flag}" in ASTM R.7 (result abnormal flags)')
    assert "L, H, LL, HH, <, >, N, A, U, D, B, W" in why
    (refusal,) = [e for r, e in report.held_back if r.vendor_code == "HGB"]
    assert f'flagged the result "{flag}" in ASTM R.7' in str(refusal)  # replay says it too


def test_the_capture_as_sent_is_unchanged() -> None:
    _, result, hemoglobin = _hgb(b"N")
    assert (result.value, result.status, result.flags[:1]) == ("8.0", "final", ("N",))
    assert hemoglobin is not None and hemoglobin.value == 80.0 and hemoglobin.comparator is None


def test_the_fixture_is_the_real_capture() -> None:
    assert _with_hgb_flags(b"N") == (DATA / "sysmex-xn550.astm").read_bytes()
