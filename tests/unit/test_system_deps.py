"""`make test` installs every program a test skips without (``scripts/system-deps.sh``, as root
with apt-get), so that on a fresh Debian no test skips for a program the script could have put
there: such a test can never fail where CI runs it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "system-deps.sh"
BASH = shutil.which("bash") or "/bin/bash"

#: Programs every Debian has (Priority: required, util-linux's and coreutils'), and make, without
#: which `make test` does not start.
ON_EVERY_DEBIAN = {"bash", "id", "setpriv", "unshare", "mount", "umount", "make"}


def _programs_tests_look_for() -> dict[str, list[str]]:
    """Each program a test asks ``shutil.which`` for, with the files that ask. A call given its own
    ``path=`` looks in a PATH the test made (whether a shell would find the project's own
    ``triage``), not for a program the machine should have, and is not counted."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        calls = re.findall(
            r"""shutil\.which\(\s*["']([\w.+-]+)["']\s*(,\s*path=)?""", path.read_text(encoding="utf-8")
        )
        for name in (name for name, own_path in calls if not own_path):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_program_a_test_skips_without_is_one_make_test_installs() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    installed = set(re.findall(r"command -v ([\w.+-]+) >/dev/null", script))
    missing = {
        name: files
        for name, files in _programs_tests_look_for().items()
        if name not in installed | ON_EVERY_DEBIAN
    }
    assert not missing, f"tests skip without these, which scripts/system-deps.sh does not install: {missing}"


def test_without_apt_get_the_script_names_strace_among_the_packages_to_install(tmp_path: Path) -> None:
    """test_storage's restore killed during its copy needs strace (its fault injection), a package
    a fresh Debian does not have: the test skipped wherever `make test` ran on one."""
    folder = tmp_path / "bin"
    folder.mkdir()
    id_command = shutil.which("id")
    assert id_command is not None
    (folder / "id").symlink_to(id_command)  # neither apt-get nor any of the programs
    done = subprocess.run(
        [BASH, str(SCRIPT)],
        env={"PATH": str(folder)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    advice = done.stderr.splitlines()[-1]
    assert advice.startswith("system-deps: enable them with: sudo apt-get install "), done.stderr
    assert "strace" in advice.split()
