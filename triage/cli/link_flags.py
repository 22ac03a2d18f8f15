"""The device link that `triage devices listen`'s and `simulate`'s flags describe, without a
profile file or on top of one: the flag-only profile, the serial settings checked flag by flag, and
the serial or TCP transport."""

from __future__ import annotations

from typing import Any

from devices.profile import (
    SERIAL_ALLOWED,
    STANDARD_BAUDS,
    DeviceProfile,
    SerialSettings,
    parity_letter,
    profile_from_dict,
)
from devices.transports.link import SerialSpec, TcpListenSpec
from devices.transports.tcp import parse_host_port
from triage.errors import UserInputError, json_text

PROTOCOLS = ("astm", "hl7", "line", "poct1a")


def flag_profile(protocol: str, device_id: str) -> DeviceProfile:
    """A profile for flag-only use: no mapping table, so every result is shown but held."""
    if protocol == "ble":  # found by its profile's [ble] table (address or name), not by a flag
        raise UserInputError(
            '--protocol "ble": a Bluetooth LE device is listened to through its profile, whose [ble] table'
            " says how to find it: --profile FILE, or a bundled one (e.g. --profile ble-glucose_meter)"
        )
    if protocol not in PROTOCOLS:
        raise UserInputError(f"--protocol {json_text(protocol)}: choose one of {', '.join(PROTOCOLS)}")
    data: dict[str, Any] = {"device_id": device_id, "protocol": protocol}
    if protocol == "line":
        data["line_grammar"] = "nonin"
    return profile_from_dict(data, source="command-line flags")


def check_serial_flags(*, baud: int, bytesize: int = 8, parity: str = "N", stopbits: float = 1) -> None:
    """Each serial flag against what it may be (the same words as a profile's [serial] table):
    the port's own message ('serial port X: ...') named the port, not the flag to correct."""
    problems = (
        ("--baud", baud, baud not in STANDARD_BAUDS),
        ("--bytesize", bytesize, bytesize not in (5, 6, 7, 8)),
        ("--parity", parity, parity.upper() not in ("N", "E", "O", "M", "S")),
        ("--stopbits", f"{stopbits:g}", stopbits not in (1, 1.5, 2)),
    )
    for option, value, bad in problems:
        if bad:
            setting = option.removeprefix("--")
            # the letter for another tool's word ("even"), as a profile's serial.parity says it
            letter = parity_letter(parity) if option == "--parity" else None
            hint = f": write {letter}" if letter else ""
            raise UserInputError(f"{option} {value}: must be {SERIAL_ALLOWED[setting]}{hint}")


def transport_from_flags(
    port: str | None,
    baud: int | None,
    bytesize: int | None,
    parity: str | None,
    stopbits: float | None,
    tcp_listen: str | None,
    allow_peer: list[str],
    profile_serial: SerialSettings | None = None,
) -> SerialSpec | TcpListenSpec | None:
    """The transport the flags give. ``--port`` replaces the profile's port only: a serial flag
    not given keeps the profile's setting (``profile_serial``), else the LIS01-A2 default 9600 8N1."""
    if port and tcp_listen:
        raise UserInputError("give either --port or --tcp-listen, not both")
    if port:
        base = profile_serial or SerialSettings()
        baud = base.baud if baud is None else baud
        bytesize = base.bytesize if bytesize is None else bytesize
        parity = base.parity if parity is None else parity
        stopbits = base.stopbits if stopbits is None else stopbits
        check_serial_flags(baud=baud, bytesize=bytesize, parity=parity, stopbits=stopbits)
        return SerialSpec(
            url=port,
            baudrate=baud,
            bytesize=bytesize,  # type: ignore[arg-type]
            parity=parity.upper(),  # type: ignore[arg-type]
            stopbits=stopbits,
            xonxoff=base.xonxoff,
            rtscts=base.rtscts,
        )
    if tcp_listen:
        host, tcp_port = parse_host_port(tcp_listen, what="--tcp-listen")
        peers = frozenset(allow_peer) if allow_peer else frozenset({"127.0.0.1", "::1"})
        return TcpListenSpec(host=host, port=tcp_port, allowed_peers=peers)
    return None
