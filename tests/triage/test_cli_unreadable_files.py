"""Files the CLI reads that exist but cannot be read - no permission (an input copied from another
user's folder, a settings file only root may read), or not a regular file (a socket) - are one
`error:` line naming the file, exit 2: `triage assess` and the TOML reader caught only "does not
exist" and "is a directory", and the rest were a PermissionError or OSError traceback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "local-care.json")
TRIAGE = str(Path(sys.executable).with_name("triage"))
NOBODY = 65534


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    """A path that exists and is not a file: opening it fails with ENXIO."""
    path = tmp_path / "case.json"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        yield path


def test_an_input_that_is_a_socket_is_one_line(unix_socket: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["assess", str(unix_socket), "--no-models"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        f"error: {unix_socket}: cannot read the file (No such device or address); check that it is a"
        " file this user can read\n"
    )


def test_a_settings_or_policy_file_that_is_a_socket_is_one_line(
    unix_socket: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = "cannot read the file (No such device or address); check that it is a file this user can read"
    code = main(["assess", EXAMPLE, "--no-models", "--policy", str(unix_socket)])
    assert (code, capsys.readouterr().err) == (2, f"error: --policy: policy file {unix_socket}: {expected}\n")
    monkeypatch.setenv("TRIAGE_CONFIG", str(unix_socket))
    code = main(["assess", EXAMPLE, "--no-models"])
    assert (code, capsys.readouterr().err) == (
        2,
        f"error: settings file {unix_socket} ($TRIAGE_CONFIG): {expected}\n",
    )


def _as_another_user(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``triage`` run so that a file with mode 000 is unreadable, even when the suite runs as root
    (who reads any file). Root's way is a new user namespace (util-linux's ``unshare --user``): the
    process keeps uid 0 for the files' owner checks, so a checkout in a private folder (``mktemp
    -d`` is 0700) stays reachable, but it has no capability over the files, so mode 000 stops it.
    Where user namespaces are not allowed, ``nobody`` through ``setpriv``, which needs the checkout
    to be readable by others. As another user, the suite's own user is already without rights."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
        if (
            unshare is not None
            and subprocess.run([unshare, "--user", "true"], capture_output=True).returncode == 0
        ):
            prefix = [unshare, "--user"]
        elif setpriv is not None:
            prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
            reach = subprocess.run(
                [*prefix, TRIAGE, "--version"], capture_output=True, text=True, timeout=120
            )
            if reach.returncode != 0:
                pytest.skip(
                    f"running as root where user namespaces are refused, and nobody cannot run {TRIAGE}"
                )
        else:
            pytest.skip("running as root without unshare or setpriv (util-linux): no way to lose the rights")
    return subprocess.run(
        [*prefix, TRIAGE, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


def test_a_file_this_user_may_not_read_is_one_line() -> None:
    # not under pytest's tmp_path: its folders are 0700, so nobody could not even reach the files
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        folder.chmod(0o755)
        case = folder / "case.json"
        case.write_text(Path(EXAMPLE).read_text(encoding="utf-8"), encoding="utf-8")
        config = folder / "clinic.toml"
        config.write_text("[service]\nport = 8080\n", encoding="utf-8")
        for path in (case, config):
            path.chmod(0o000)
        home = folder / "home"  # the user's own: onnxruntime writes there, and warns when it cannot
        home.mkdir(mode=0o777)
        home.chmod(0o777)
        expected = "cannot read the file (Permission denied); check that it is a file this user can read"
        done = _as_another_user(["assess", str(case), "--no-models"], {"HOME": str(home)})
        assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: {case}: {expected}\n")
        done = _as_another_user(
            ["assess", EXAMPLE, "--no-models"], {"HOME": str(home), "TRIAGE_CONFIG": str(config)}
        )
        # whose file, its mode and what to do, as --config says it (tests/unit/test_config_unreadable.py)
        said = f"error: settings file {config} ($TRIAGE_CONFIG): this user, "
        assert done.returncode == 2 and done.stderr.startswith(said), done.stderr
        assert "may not read it (" in done.stderr and "mode 0000)" in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1 and "Permission denied" not in done.stderr, done.stderr
