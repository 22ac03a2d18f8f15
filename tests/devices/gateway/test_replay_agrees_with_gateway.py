"""`triage devices replay` counts what the live gateway would do with the same messages: a
preliminary result (HL7 OBX-11 `P`, ASTM R.9 `P`, a Nonin `*` reading) is stored and held by the
gateway, so replay neither prints nor counts it as an observation (it is "not for triage"); so
is a result without a patient id, which the gateway holds ("no patient link") unless a device
association links it (replay knows none)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from devices.codecs.astm_frame import build_frame, split_records
from devices.gateway import DeviceStatus, GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import ClockSettings, load_profile
from devices.session import MonotonicClock
from devices.simulated_results import ZONE, hl7_message, sample_from_values, simulator_profile
from devices.transports.link import TcpListenSpec
from tests.devices.gateway.devices_cli import settings_file
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.traces.golden_io import DATA, TRACES
from triage.cli import main
from triage.intake import ReplayReport, replay_capture


def _messages(patients: str = "PPP", units: str = "%%%") -> list[bytes]:
    """Three HL7 messages a minute apart: SpO2 final, preliminary (OBX-11 P), final; a "-" in
    ``patients`` sends that message without a patient id (PID-3 empty); ``units`` is each
    message's SpO2 unit (OBX-6; the profile takes "%" only)."""
    start = datetime.now(ZONE).replace(microsecond=0) - timedelta(minutes=5)
    messages = []
    for n, status in enumerate("FPF"):
        sample = sample_from_values(
            "hl7-monitor",
            f"SIM-P{n}" if patients[n] == "P" else "",
            f"SIM-S{n}",
            {"spo2": 95 + n},
            observed_at=start + timedelta(minutes=n),
        )
        message = hl7_message(sample, control_id=f"C{n}").replace(
            b"|%|||||F|||", f"|{units[n]}|||||{status}|||".encode()
        )
        messages.append(message)
    return messages


def _replay_and_play_live(
    tmp_path: Path, messages: list[bytes], capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[list[dict[str, object]], str, dict[str, int], list[str]]:
    """Replay's printed observations (with ``--json``: its document) and stderr, then what the
    live gateway held (by kind) and the sample ids it fed, for the same messages."""
    profile = simulator_profile("hl7-monitor", "monitor", tcp={"port": 4999})
    profile_file = tmp_path / "monitor.toml"
    lines = ['device_id = "monitor"', 'protocol = "hl7"', 'encoding = "ascii"']
    lines += ["[tcp]", "port = 4999", "[tolerance]", "mindray_msh16_result_kind = true", "[mapping.SPO2]"]
    entry = profile.mapping["SPO2"]
    lines += [
        f'code = "{entry.code}"',
        f'unit = "{entry.unit}"',
        f"device_units = {json.dumps(list(entry.device_units))}",
    ]
    profile_file.write_text("\n".join(lines) + "\n")
    capture = tmp_path / "monitor.hl7"
    capture.write_bytes(b"".join(messages))

    code = main(
        [
            "--config",
            str(settings_file(tmp_path)),
            "devices",
            "replay",
            str(capture),
            "-p",
            "hl7",
            "--profile",
            str(profile_file),
            *options,
        ]
    )
    out, err = capsys.readouterr()
    assert code == (1 if "quarantined (" in err else 0), err
    printed = (
        [json.loads(line) for line in out.splitlines()]
        if out.startswith('{"')
        else [json.loads(out)]
        if out
        else []
    )

    clock = MonotonicClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
    delivered: list[GatewayResult] = []

    async def live() -> dict[str, int]:
        async with running_gateway(
            [endpoint], tmp_path / "clinic.db", clock=clock, delivered=delivered
        ) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            for message in messages:
                writer.write(b"\x0b" + message + b"\x1c\r")
            await writer.drain()
            await wait_until(lambda: len(delivered) == len(messages))
            writer.close()
            return dict(gateway.status()[0].held)

    held = asyncio.run(live())
    fed = sorted(str(r.stored.sample_id) for r in delivered if r.auto_feed)
    return printed, err, held, fed


def test_replay_holds_a_preliminary_result_as_the_gateway_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replay printed and counted the preliminary reading as an observation ("3 observations")
    while the gateway held it ("2 for triage, 1 held: 1 not final")."""
    printed, err, held, fed = _replay_and_play_live(tmp_path, _messages(), capsys)
    assert [(r["sample_id"], r["status"]) for r in printed] == [("SIM-S0", "final"), ("SIM-S2", "final")]
    assert "3 results: 2 observations, 0 for review, 1 not for triage (1 not_final);" in err
    assert held == {"not_final": 1}
    assert fed == [r["sample_id"] for r in printed]


def test_replay_holds_a_result_without_a_patient_id_as_the_gateway_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replay printed and counted a final reading without a patient id as an observation while
    the gateway held it ("no patient link": only a device association feeds it)."""
    printed, err, held, fed = _replay_and_play_live(tmp_path, _messages("P--"), capsys)
    assert [(r["sample_id"], r["patient_id"]) for r in printed] == [("SIM-S0", "SIM-P0")]
    # every reason a result is held for, as the gateway counts them: the preliminary one has no
    # patient either (replay counted its first reason only: '(1 no_patient, 1 not_final)')
    assert "3 results: 1 observation, 0 for review, 2 not for triage (2 no_patient, 1 not_final);" in err
    assert "held: no patient id (a device association would link them): 1 result, not observations" in err
    assert held == {"no_patient": 2, "not_final": 1}
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(held.items(), key=lambda kv: (-kv[1], kv[0])))
    assert f"2 not for triage ({kinds});" in err  # replay's counts are the gateway's
    assert fed == [r["sample_id"] for r in printed]


def test_replay_counts_a_result_in_a_unit_the_profile_does_not_take_as_the_gateway_holds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mapped code in a unit its profile does not list (SpO2 in "1", as the Pentra sends its
    units): the gateway holds it for its unit and for every other reason (not final, no
    patient); replay counted it for review with its unit only ('2 for review (2
    unexpected_unit)'), its other reasons lost. The same bytes, replayed and sent to a live
    gateway over a loopback socket, now give the same counts (``devices.hold.holds`` for both)."""
    messages = _messages("P-P", units="11%")
    printed, err, held, fed = _replay_and_play_live(tmp_path, messages, capsys)
    assert held == {"unexpected_unit": 2, "not_final": 1, "no_patient": 1}
    assert fed == [r["sample_id"] for r in printed] == ["SIM-S2"]
    assert (
        "3 results: 1 observation, 2 for review (2 unexpected_unit, 1 no_patient, 1 not_final), 0 not" in err
    )
    (tmp_path / "json").mkdir()
    [document], _err, held_again, _fed = _replay_and_play_live(tmp_path / "json", messages, capsys, "--json")
    assert document["held"] == held_again == held


#: The captures of /work/shared/device-traces (copied byte for byte into the traces' data): ASTM,
#: and the line devices' (.raw: the SPOTCHEM's printer-style text, the mini VIDAS's packets).
SHARED_TRACES = sorted(name for name in TRACES if name.endswith((".astm", ".raw")))


def _play_live(tmp_path: Path, trace: str) -> tuple[ReplayReport, DeviceStatus]:
    """Replay ``trace`` with its bundled profile, then send it byte for byte over a loopback
    socket - ASTM each frame as recorded (records as text framed as the device sends them) after
    the gateway's ACK of the one before, a line device's bytes at once - (the profile's clock
    widened so the old device times are not held for the clock, which a capture has no receipt
    time for): the report and the live gateway's status."""
    profile = load_profile(TRACES[trace])
    profile = profile.model_copy(update={"clock": ClockSettings(max_age=3650 * 86400.0)})
    capture = (DATA / trace).read_bytes()
    report = replay_capture(profile, capture)
    frames = [b"\x02" + piece.strip(b"\x04\x05") for piece in capture.split(b"\x02")[1:]]
    if not frames:  # records as text (go-astm's examples): framed as the device sends them
        records = [r for r in re.split(rb"\r\n|\n|\r", capture) if r]
        texts = split_records(records)
        frames = [build_frame(n, text, final) for n, (text, final) in enumerate(texts, 1)]
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
    delivered: list[GatewayResult] = []

    async def live() -> DeviceStatus:
        async with running_gateway(
            [endpoint], tmp_path / "clinic.db", clock=clock, delivered=delivered
        ) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(profile.device_id))
            for piece in [b"\x05", *frames] if profile.protocol == "astm" else []:
                writer.write(piece)
                await writer.drain()
                assert await asyncio.wait_for(reader.readexactly(1), 5) == b"\x06", piece[:12]
            writer.write(b"\x04" if profile.protocol == "astm" else capture)
            await writer.drain()
            await wait_until(lambda: len(delivered) == len(report.results) - len(report.resends))
            writer.close()
            return gateway.status()[0]

    return report, asyncio.run(live())


@pytest.mark.parametrize("trace", SHARED_TRACES)
def test_every_real_capture_replayed_and_sent_over_loopback_gives_the_same_counts(
    trace: str, tmp_path: Path
) -> None:
    """The gateway holds each capture's results for exactly the reasons, and as many times, as
    replay counts them, and stores as many new results and replacements."""
    report, status = _play_live(tmp_path, trace)
    assert status.held == Counter(report.gateway_holds)
    new = len(report.results) - len(report.resends) - len(report.replaced)
    assert (status.results, status.replaced, status.duplicates) == (
        new,
        len(report.replaced),
        len(report.resends),
    )


def test_the_real_pentra_capture_replayed_and_sent_over_loopback_gives_the_same_counts(
    tmp_path: Path,
) -> None:
    """The Horiba Pentra XLR capture (28 frames, frame numbers wrapping 7 -> 0, LF alone after
    each checksum, R.5 the unit-system code "1"): its counts, as replay and the gateway give them."""
    report, status = _play_live(tmp_path, "horiba-pentra_xlr.astm")
    assert (DATA / "horiba-pentra_xlr.astm").read_bytes().count(b"\x02") == 28
    assert (
        status.held
        == Counter(report.gateway_holds)
        == {"ignored": 17, "unexpected_unit": 4, "no_patient": 4, "not_final": 1}
    )
    assert sorted(report.review_reasons()) == sorted(
        ["unexpected_unit"] * 4 + ["no_patient"] * 4 + ["not_final"]
    )


def _versions(statuses: str) -> list[bytes]:
    """HL7 messages a second apart, each a version of one SpO2 (sample SIM-S0, one result time)
    with OBX-11 ``statuses[n]``: a preliminary then its final, a final then its withdrawal."""
    start = datetime.now(ZONE).replace(microsecond=0) - timedelta(minutes=5)
    sample = sample_from_values("hl7-monitor", "SIM-P0", "SIM-S0", {"spo2": 95}, observed_at=start)
    return [
        hl7_message(sample, control_id=f"C{n}").replace(b"|%|||||F|||", f"|%|||||{status}|||".encode())
        for n, status in enumerate(statuses)
    ]


@pytest.mark.parametrize(
    ("statuses", "printed_count", "held_now"),
    [("PF", 1, {}), ("FW", 0, {"withdrawn": 1}), ("PFW", 0, {"withdrawn": 1})],
)
def test_replay_counts_the_version_in_force_as_the_gateway_does(
    statuses: str,
    printed_count: int,
    held_now: dict[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Replay counted every version of a result: a preliminary then its final was '1 observation,
    1 not for triage (1 not_final)' where the gateway holds nothing (the final replaced it), and
    a final then its withdrawal printed the withdrawn reading as an observation. Now the version
    a later one replaces is counted replaced, as listen's 'stored results replaced'."""
    replaced = len(statuses) - 1
    (tmp_path / "json").mkdir()
    [document], _err, held, _fed = _replay_and_play_live(
        tmp_path / "json", _versions(statuses), capsys, "--json"
    )
    assert held == held_now
    assert document["held"] == held, "replay's held counts are the gateway's"
    assert len(document["observations"]) == printed_count and len(document["replaced"]) == replaced
    printed, err, held_again, _fed = _replay_and_play_live(tmp_path, _versions(statuses), capsys)
    assert held_again == held and len(printed) == printed_count
    observations = {0: "0 observations", 1: "1 observation"}[printed_count]  # said in words
    assert f"{len(statuses)} results: {observations}, 0 for review, " in err
    assert f", {replaced} replaced by a later version;" in err
    # a withdrawal is not for triage as the gateway holds it, withdrawn alone (not also not_final)
    assert document["not_for_triage"] == held


def test_replay_names_the_problem_of_a_version_replaced_as_the_gateway_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A preliminary SpO2 in a unit the profile does not take ("1"), then its final in "%": the
    gateway holds nothing (the final replaced it) but keeps the preliminary's row in
    device_quarantine - a unit the profile will meet again. Replay names it (exit 1), not for review."""
    messages = _versions("PF")
    messages[0] = messages[0].replace(b"|%|||||P|||", b"|1|||||P|||")
    printed, err, held, fed = _replay_and_play_live(tmp_path, messages, capsys)
    assert held == {} and fed == ["SIM-S0"] and [p["sample_id"] for p in printed] == fed
    assert "quarantined (unexpected_unit)" in err and "a later version of the result replaced it" in err
    assert "2 results: 1 observation, 0 for review, 0 not for triage, 1 replaced by a later version;" in err
    with sqlite3.connect(tmp_path / "clinic.db") as conn:
        (reason,) = [r for (r,) in conn.execute("SELECT reason FROM device_quarantine")]
    assert reason.startswith('unexpected_unit: sample SIM-S0 test "SPO2": device unit "1"')
