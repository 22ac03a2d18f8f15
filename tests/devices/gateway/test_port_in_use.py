"""A serial port another program holds (pyserial's exclusive lock): the gateway said pyserial's
words, errno and path twice - "[Errno 11] Could not exclusively lock port /dev/pts/0: [Errno 11]
Resource temporarily unavailable (is another program, or another gateway, using it?)" - and the
integrator had to hunt for the program. Now it says the port is in use and, where this user may
see it, which process holds it. A real pseudo-terminal held by a real second process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devices.transports.link import LinkError, SerialSpec
from devices.transports.pty import open_pty
from devices.transports.serial_port import open_serial

HOLD = (
    "import serial, sys\n"
    "port = serial.Serial(sys.argv[1], exclusive=True)\n"
    "print('held', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_port_another_process_holds_names_that_process() -> None:
    pty = open_pty()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, pty.slave_path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        holder_said = f"process {holder.pid} ({Path(f'/proc/{holder.pid}/comm').read_text().strip()})"
        with pytest.raises(LinkError) as busy:
            open_serial(SerialSpec(url=pty.slave_path))
    finally:
        holder.communicate("", timeout=20)
    assert str(busy.value) == (
        f"cannot open serial port {pty.slave_path}: in use: {holder_said} holds it (another gateway, or a "
        "terminal program); stop it, or give this device another port"
    )
