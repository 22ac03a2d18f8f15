"""`triage serve`'s ready line says how many device profiles its gateway runs with the noun in the
right number - `device gateway 1 profile` / `2 profiles` - not "2 profile(s)"
(referral.plurals.counted). The real `triage serve`, its gateway on two loopback MLLP listeners
(the shipped generic HL7 profile on free ports), a real SQLite log."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from devices.profile import PROFILE_DIR
from tests.ports import free_port
from tests.service.test_serve_startup import TRIAGE, environment, unstamped, wait_ready


def _ready_line(tmp_path: Path, count: int) -> str:
    folder = tmp_path / str(count)
    folder.mkdir()
    text = (PROFILE_DIR / "generic-hl7.toml").read_text(encoding="utf-8")
    profiles = []
    for n in range(count):
        profile = folder / f"hl7-{n}.toml"
        mine = text.replace("port = 2575", f"port = {free_port()}")
        profile.write_text(
            mine.replace('device_id = "generic-hl7"', f'device_id = "hl7-{n}"'), encoding="utf-8"
        )
        profiles.append(f'"{profile}"')
    config = folder / "clinic.toml"
    config.write_text(
        f'data_dir = "{folder}"\n[database]\npath = "{folder / "clinic.db"}"\n'
        f"[gateway]\nprofiles = [{', '.join(profiles)}]\n",
        encoding="utf-8",
    )
    log = folder / "serve.log"
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "--config", str(config), "serve", "--workers", "1", "--port", "0"],
            cwd=folder,
            env=environment(),
            stderr=err,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        try:
            wait_ready({0}, process, log)
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 130
    said = log.read_text(encoding="utf-8")
    ready = [line for line in unstamped(said) if line.startswith("ready: ")]
    assert len(ready) == 1, said
    return ready[0]


def test_serve_says_one_profile_and_two_profiles(tmp_path: Path) -> None:
    for count, said in ((1, "; device gateway 1 profile"), (2, "; device gateway 2 profiles")):
        ready = _ready_line(tmp_path, count)
        assert said in ready and "(s)" not in ready, ready
