"""The checks a gateway makes of its devices before it opens any: unique device ids, one device per
serial port and per TCP listening port - two devices on one port would each read part of the bytes,
or the second fail later with "port N is already in use"."""

from __future__ import annotations

import os
from collections.abc import Sequence

from devices.endpoint import DeviceEndpoint
from devices.transports.link import LinkError, SerialSpec, TcpListenSpec

#: listen addresses that take every address of the machine: a port there is taken on all of them
_ANY_HOST = frozenset({"0.0.0.0", "::", ""})


def check_endpoints(endpoints: Sequence[DeviceEndpoint]) -> None:
    """Raise :class:`LinkError` naming the devices when two share an id, a serial port or a TCP
    listening port."""
    ids = [e.device_id for e in endpoints]
    if len(set(ids)) != len(ids):
        raise LinkError(
            f"device ids must be unique; repeated: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    ports: dict[str, str] = {}
    for e in endpoints:  # two devices on one serial port would each read part of the bytes
        if isinstance(e.transport, SerialSpec):
            where = os.path.realpath(e.transport.url) if "://" not in e.transport.url else e.transport.url
            if where in ports:
                raise LinkError(
                    f"devices {ports[where]} and {e.device_id} both use serial port {e.transport.url}; "
                    "give each device its own port"
                )
            ports[where] = e.device_id
    listening: dict[int, tuple[str, str]] = {}
    for e in endpoints:  # else the second failed with "port N is already in use (another gateway...)"
        if isinstance(e.transport, TcpListenSpec) and e.transport.port:
            other = listening.get(e.transport.port)
            hosts = {other[1], e.transport.host} if other is not None else set()
            if other is not None and (len(hosts) == 1 or hosts & _ANY_HOST):
                raise LinkError(
                    f"devices {other[0]} and {e.device_id} both listen on TCP port {e.transport.port}; "
                    "give each device its own port ([tcp] port)"
                )
            listening[e.transport.port] = (e.device_id, e.transport.host)
