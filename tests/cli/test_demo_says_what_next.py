"""What `make run` (`triage demo`) tells a first-day user, in a real demo process: once the service
is up, what to do with the address and the accounts it printed (it printed a URL and three
passwords, and said neither to open the one nor which account is for what), and when it stops, where
what it did stays and a command that reads it (it ended with 'demo stopped after 6 synthetic
patients', naming neither the log it kept nor what to do with it)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.running import run
from tests.service.test_serve_startup import unstamped


def test_the_demo_says_how_to_use_it_and_where_its_log_stays(tmp_path: Path) -> None:
    """Also the folder it made: each `make run` left a /tmp/triage-demo-* folder (its log, facility
    directory and accounts) behind without a word; the line naming it says it is kept and is the
    user's to delete (this demo run's check, which was tests/service/test_cli.py's own demo run)."""
    demo = ["demo", "--seconds", "1", "--interval", "1", "--port", "0"]
    result = run(demo, tmp_path, timeout=120, TMPDIR=str(tmp_path))  # its folder made in tmp_path
    assert result.returncode == 0, result.stderr
    (folder,) = tmp_path.glob("triage-demo-*")
    assert (folder / "demo-clinic.db").exists()
    out = unstamped(result.stdout)
    assert f"data folder: {folder} (new; kept when the demo stops: delete it when done)" in out, out
    (url,) = (line.split()[2] for line in out if line.startswith("clinic service: http://127.0.0.1:"))
    after_url = out[out.index(next(line for line in out if line.startswith("clinic service: "))) + 1]
    assert after_url == (
        f"next: open {url} in a browser and sign in with an account above - nurse (the queue,"
        " patients, readings), doctor (a clinician: referrals and decisions too) or admin (staff"
        " accounts and tokens too); Ctrl-C stops the demo"
    ), out
    err = unstamped(result.stderr)
    log = folder / "demo-clinic.db"
    kept = next((line for line in err if line.startswith("its referral log stays: ")), None)
    assert kept == (
        f"its referral log stays: {log} (what the demo did: triage referrals stats --db {log};"
        f" triage referrals list --db {log}); delete {folder} when done"
    ), err
    assert err[-1].startswith("demo stopped after "), err  # last, as before
    # the command it names runs, on the log it kept
    command = re.search(r"\(what the demo did: (triage referrals stats --db \S+);", kept)
    assert command is not None
    stats = run(command[1], tmp_path)
    assert stats.returncode == 0 and "encounters: " in stats.stdout, stats.stderr


def test_an_ipv6_address_is_named_in_brackets_where_the_demo_says_to_open_it(tmp_path: Path) -> None:
    """`triage demo --host ::1` said 'clinic service: http://::1:46617/' and 'next: open
    http://::1:46617/ in a browser' - no URL (RFC 3986 puts an IPv6 address in brackets), where
    `serve` says http://[::1]:PORT/ (docs/service.md, tests/admin/test_port_zero.py)."""
    demo = ["demo", "--host", "::1", "--port", "0", "--seconds", "1", "--data-dir", str(tmp_path / "demo")]
    result = run(demo, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    out = unstamped(result.stdout)
    (said,) = (line for line in out if line.startswith("clinic service: "))
    url = said.split()[2]
    assert re.fullmatch(r"http://\[::1\]:\d+/", url), said
    assert any(line.startswith(f"next: open {url} in a browser") for line in out), out


def test_on_every_address_the_demo_says_which_address_to_open(tmp_path: Path) -> None:
    """`make run HOST=0.0.0.0` (README: for other machines to reach it) said 'next: open
    http://0.0.0.0:8000/ in a browser' - an address to listen on, not one to open, which a browser on
    another computer cannot reach; now this computer's loopback address, and for the others this
    computer's own address with the port."""
    demo = [
        "demo",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--seconds",
        "1",
        "--data-dir",
        str(tmp_path / "demo"),
    ]
    result = run(demo, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    out = unstamped(result.stdout)
    (said,) = (line for line in out if line.startswith("clinic service: "))
    port = re.fullmatch(r"clinic service: http://0\.0\.0\.0:(\d+)/  \(API docs: /docs\)", said)
    assert port is not None, said  # where it listens, as serve says it
    assert any(
        line.startswith(
            f"next: open http://127.0.0.1:{port[1]}/ in a browser (from another computer: this computer's"
            f" network address, port {port[1]}) and sign in with an account above"
        )
        for line in out
    ), out
