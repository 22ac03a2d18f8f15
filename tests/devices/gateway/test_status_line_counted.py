"""listen's per-device status line says each count in words for its number (referral.plurals
.counted): it said "1 messages", "1 new results", "1 requests refused by the device". Every count
at 1 and at 2, on the status line the CLI prints."""

from __future__ import annotations

from collections import Counter

import pytest

from devices.gateway_status import DeviceStatus
from triage.cli.devices_result_lines import status_line


def _status(n: int) -> DeviceStatus:
    return DeviceStatus(
        device_id="device-1",
        protocol="astm",
        transport="serial",
        results=n,
        replaced=n,
        duplicates=n,
        unchanged=n,
        messages=n,
        quarantined=n,
        discarded=n,
        rejected_frames=n,
        ignored_bytes=n,
        refused_peers=n,
        refused_by_device=Counter({"OPL.R01 operator list with AE": n}),
        unhandled=Counter({"OPL.R02 from the device": n}),
    )


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (
            1,
            [
                "device-1: 1 message; 1 new result stored (1 for triage, 0 held); ",
                "1 stored result replaced by a final or corrected version or withdrawn; ",
                "1 duplicate result not stored again; ",
                "1 reading without a significant change not stored; ",
                "1 quarantined without a result",
                "1 partial message discarded; 1 frame rejected with NAK (resent by the device); ",
                "1 byte outside a session ignored; 1 refused connection; ",
                "1 request refused by the device (1 OPL.R01 operator list with AE); ",
                "1 message not handled (1 OPL.R02 from the device); ",
            ],
        ),
        (
            2,
            [
                "device-1: 2 messages; 2 new results stored (2 for triage, 0 held); ",
                "2 stored results replaced by a final or corrected version or withdrawn; ",
                "2 duplicate results not stored again; ",
                "2 readings without a significant change not stored; ",
                "2 partial messages discarded; 2 frames rejected with NAK (resent by the device); ",
                "2 bytes outside a session ignored; 2 refused connections; ",
                "2 requests refused by the device (2 OPL.R01 operator list with AE); ",
                "2 messages not handled (2 OPL.R02 from the device); ",
            ],
        ),
    ],
)
def test_every_count_is_said_in_words_for_its_number(n: int, words: list[str]) -> None:
    line = status_line(_status(n))
    for said in words:
        assert said in line, (said, line)
