"""A log moved to a new machine without its settings file is served as clinic "clinic-demo": the
`ready:` line said `clinic "clinic-demo" (not in the facility directory: visits get no facility;
triage referrals facilities load)` - loading the directory again, as it suggested, changed nothing,
while the log itself records its clinic (`triage referrals facilities load --clinic ZJ-C01`, the id
its exports carry). Now the line names the log's own clinic and the setting to give. Real `triage
serve` processes on a real log."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral.facilities import DEMO_CSV
from tests.admin.made_once import copied, here
from tests.admin.test_serve_first_run import ready_line


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clinic's log, restored on a new machine from a backup: its clinic ZJ-C01 recorded in it;
    made once by the real commands (in this process: what the test is about is the service), in a
    folder of its own."""
    folder = tmp_path_factory.mktemp("moved")
    old = folder / "old.db"
    here(["referrals", "facilities", "load", "--db", str(old), str(DEMO_CSV), "--clinic", "ZJ-C01"])
    here(["referrals", "backup", "--db", str(old), "--out", str(folder / "b.db")])
    here(["referrals", "restore", "--from", str(folder / "b.db"), "--db", str(folder / "clinic.db")])
    return folder


@pytest.fixture
def moved(made: Path, tmp_path: Path) -> Path:
    """A copy of :func:`made`'s restored log in the test's own folder, each service its own."""
    return copied(made, tmp_path) / "clinic.db"


@pytest.mark.parametrize(
    ("clinic", "said"),
    [
        (  # served without its settings file
            None,
            'clinic "clinic-demo" (not in the facility directory: visits get no facility; this log\'s clinic'
            ' is "ZJ-C01", as `triage referrals facilities load --clinic` recorded: set clinic_id = "ZJ-C01"'
            " in the settings (TRIAGE_CLINIC_ID), as on the machine it came from);",
        ),
        (  # another clinic of the directory
            "ZJ-C02",
            'clinic "ZJ-C02" (this log\'s clinic is "ZJ-C01", as `triage referrals facilities load --clinic`'
            ' recorded: new visits are recorded at "ZJ-C02", its exports name "ZJ-C01");',
        ),
        ("ZJ-C01", 'clinic "ZJ-C01"; referral log '),  # the log's own: said plainly
    ],
    ids=["no-settings", "another-clinic", "its-own"],
)
def test_the_ready_line_names_the_log_s_clinic(moved: Path, clinic: str | None, said: str) -> None:
    variables = {"TRIAGE_DATABASE__PATH": str(moved)} | (
        {} if clinic is None else {"TRIAGE_CLINIC_ID": clinic}
    )
    ready, _ = ready_line(variables, moved.parent / "serve.log")
    assert said in ready, ready
