"""A device flag holding a comma, kept whole (an ASTM R.7 flag E1394 does not define: a vendor writing
``H,A`` where E1394 repeats ``H\\A``), is read back whole wherever the stored flags are read. The
referral log keeps a result's flags joined with commas and every reader split them at each comma,
so ``H,A`` came back as ``H`` and ``A``: the hold (the gateway's, ``triage devices replay``'s) said
'the device flagged the result "H" ..., none of the flags E1394 defines (L, H, ...)' - naming a
defined flag as undefined, and not the one the device sent. The real XN-550 capture with its HGB
record's R.7 changed, the real ASTM codec, stored in a real SQLite file through the real inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from devices.decode import decode_message
from devices.hold import holds
from devices.profile import load_profile
from devices.results import DeviceResult, to_inbox_result
from referral.inbox import NewDeviceMessage, StoredDeviceResult, mark_delivered, record_message
from referral.result_flags import flag_list, flags_text
from referral.schema import connect
from tests.devices.codecs.test_astm_abnormal_flags import _hgb, _with_hgb_flags


def stored_with_hgb_flags(db: Database, flags: bytes) -> tuple[DeviceResult, StoredDeviceResult]:
    """The XN-550 message with its HGB result flagged ``flags``, stored in ``db`` as the gateway
    does: the HGB result as decoded and as stored."""
    profile = load_profile("sysmex-xn550")
    framed = _with_hgb_flags(flags)  # one frame: STX, frame number 1, the records, ETX, checksum
    raw = framed[2 : framed.index(b"\x03")]
    results, _ = decode_message(profile, raw)
    received = datetime.now(UTC).isoformat(timespec="microseconds")
    stored = record_message(
        db,
        NewDeviceMessage(
            device_id=profile.device_id, session_id="s1", protocol="astm", raw=raw, received_at=received
        ),
        [to_inbox_result(r, received) for r in results],
    ).new_results
    mark_delivered(db, [s.id for s in stored])
    (sent,) = [r for r in results if r.vendor_code == "HGB"]
    (hgb,) = [s for s in stored if s.vendor_code == "HGB"]
    return sent, hgb


SAID = (
    'the device flagged the result "H,A" in ASTM R.7 (result abnormal flags), none of the flags E1394 defines'
)


def test_the_gateways_hold_and_replay_name_the_flag_whole() -> None:
    report, result, hemoglobin = _hgb(b"H,A")
    assert hemoglobin is None and result.status == "preliminary"
    assert result.flags[:2] == ("H,A", "abnormal_flag_unknown:H,A")  # the codec keeps it whole
    # the gateway's hold, as listen logs it: the result as the inbox will store it
    (why,) = [why for kind, why in holds(to_inbox_result(result, "")) if kind == "not_final"]
    assert why.startswith(SAID), why
    (refusal,) = [e for r, e in report.held_back if r.vendor_code == "HGB"]
    assert SAID in str(refusal), refusal  # replay's engine reads the decoded flags


def test_the_stored_result_reads_its_flags_back_whole_and_its_hold_names_the_flag(tmp_path: Path) -> None:
    db = connect(tmp_path / "clinic.db")
    try:  # a second flag that looks like the column's own escape
        sent, hgb = stored_with_hgb_flags(db, b"H,A\\%2C")
    finally:
        db.close()
    assert flag_list(hgb.flags) == list(sent.flags)
    assert sent.flags[:2] == ("H,A", "%2C")
    (why,) = [why for kind, why in holds(hgb) if kind == "not_final"]
    assert why.startswith('the device flagged the result "H,A", "%2C" in ASTM R.7'), why


def test_flags_written_and_read_back_are_the_same() -> None:
    for flags in ([], ["H"], ["H,A", "incomplete"], ["%", "%25", ",", "a%2Cb", ""]):
        text = flags_text(flags)
        assert flag_list(text) == (flags if text is not None else [])
    assert flags_text(["incomplete", "clock_ahead"]) == "incomplete,clock_ahead"  # as SQL looks them up
