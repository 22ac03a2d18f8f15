"""`triage devices ...` commands for device integrators."""

from __future__ import annotations

import typer

from triage.cli import devices_associations, devices_link, devices_ports, devices_replay, devices_simulate

app = typer.Typer(
    help="Device gateway tools: listen, replay captures, simulate devices, list ports, device associations.",
    no_args_is_help=True,
)
devices_replay.register(app)
devices_link.register_listen(app)
devices_simulate.register(app)
devices_ports.register_ports(app)
app.add_typer(devices_associations.app, name="associations")
