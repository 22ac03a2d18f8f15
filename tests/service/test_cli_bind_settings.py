"""Where `triage serve` and `triage demo` listen: the settings' service.host and service.port,
the command line's --host and --port winning (real processes, real ports)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

TRIAGE = str(Path(sys.executable).with_name("triage"))


def _start(
    command: str, *options: str, config: Path | None = None, exit_code: int = 75, **environment: str
) -> str:
    """stderr of ``triage COMMAND`` that stops at once: the address is taken (exit 75, try again
    later) or unknown (exit 2)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")} | environment
    result = subprocess.run(
        [TRIAGE, *(["--config", str(config)] if config else []), command, *options],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == exit_code, result.stderr
    return result.stderr


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_the_settings_choose_the_address_and_the_command_line_wins(command: str, tmp_path: Path) -> None:
    """`triage demo` ignored service.host and service.port (it always bound 127.0.0.1:8000), while
    `triage serve` used them: a clinic whose settings move the service off a busy 8000 got a demo
    that did not start there. Each is proved by a port held busy: the error names the one tried."""
    with socket.socket() as busy, socket.socket() as other:
        for held in (busy, other):
            held.bind(("127.0.0.1", 0))
            held.listen()
        port, other_port = busy.getsockname()[1], other.getsockname()[1]
        taken = "Address already in use; stop the other program or choose --port"
        config = tmp_path / "settings.toml"
        config.write_text(f'[service]\nhost = "127.0.0.1"\nport = {port}\n', encoding="utf-8")
        assert _start(command, config=config) == f"error: cannot listen on 127.0.0.1:{port}: {taken}\n"
        by_environment = _start(command, TRIAGE_SERVICE__PORT=str(port))
        assert by_environment == f"error: cannot listen on 127.0.0.1:{port}: {taken}\n"
        wins = _start(command, "--port", str(other_port), config=config)
        assert wins == f"error: cannot listen on 127.0.0.1:{other_port}: {taken}\n"
    unknown = _start(
        command, exit_code=2, TRIAGE_SERVICE__HOST="nosuchhost.invalid", TRIAGE_SERVICE__PORT=str(port)
    )
    assert unknown.startswith(f"error: cannot listen on nosuchhost.invalid:{port}: ")
