"""Byte links to devices: serial ports (pyserial) and TCP (asyncio streams), behind one ``Link`` interface.

Transports move bytes and nothing else: no protocol knowledge, no patient data in their logs.
"""

from devices.transports.link import Link, LinkClosed, LinkError, SerialSpec, TcpConnectSpec, TcpListenSpec
from devices.transports.serial_port import SerialLink, list_serial_ports, open_serial
from devices.transports.tcp import TcpLink, TcpListener, connect_tcp, parse_host_port

__all__ = [
    "Link",
    "LinkClosed",
    "LinkError",
    "SerialLink",
    "SerialSpec",
    "TcpConnectSpec",
    "TcpLink",
    "TcpListenSpec",
    "TcpListener",
    "connect_tcp",
    "list_serial_ports",
    "open_serial",
    "parse_host_port",
]
