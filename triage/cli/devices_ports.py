"""`triage devices ports`: the serial ports this computer has, with their stable names."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from devices.transports.serial_port import list_serial_ports
from triage.cli.output import print_table, write

#: ``devices ports``' table columns and ``--json`` keys, one set of names for both.
PORT_COLUMNS = ("port", "by_id", "description", "hardware_id")


def register_ports(app: typer.Typer) -> None:
    """Add `devices ports` to the devices group."""

    @app.command("ports")
    def ports(
        json_output: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    ) -> None:
        """List the serial ports this computer has, with their stable /dev/serial/by-id names.

        The table's columns are the --json keys: port, by_id, description, hardware_id (--json
        also gives the old keys device and hwid, the same values, for this release only)."""
        found = list_serial_ports()
        rows = [
            {"port": p.device, "by_id": p.by_id, "description": p.description, "hardware_id": p.hwid}
            for p in found
        ]
        if json_output:
            # device and hwid: the keys before port and hardware_id, kept for one release (docs)
            write(
                json.dumps(
                    [{**row, "device": p.device, "hwid": p.hwid} for row, p in zip(rows, found, strict=True)],
                    indent=2,
                )
            )
            return
        if not found:
            write(
                "no serial ports found (USB adapters appear as /dev/ttyUSB* or /dev/ttyACM* when plugged in)"
            )
            return
        print_table(rows, PORT_COLUMNS)
        write("by_id: the stable name to use in a profile's [serial] port")
