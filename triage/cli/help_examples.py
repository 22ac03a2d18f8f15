"""Worked command lines that end each command's ``--help`` (what a clinic's IT person tries first).

Commands that write their own epilog (``assess``, ``study ...``, ``report ...``) keep it; every
other command, and every group (``()`` is ``triage`` itself), takes its lines from :data:`EXAMPLES`,
added by :func:`add_examples` when the application is assembled. ``tests/unit/test_cli_help_examples.py``
and ``tests/cli/test_help_examples_shown.py`` check that every command and group ends its help with
examples, shown as written, and that each line parses as that command's options and arguments.
"""

from __future__ import annotations

import typer
from typer.main import get_command_name
from typer.models import DefaultPlaceholder

from triage.cli.output import examples

EXAMPLES: dict[tuple[str, ...], tuple[str, ...]] = {
    (): (
        "triage demo                   # the whole product live, SYNTHETIC patients",
        "triage assess examples/urgent-referral.json --table",
        "triage --config /etc/clinic-triage/clinic.toml serve",
        "triage devices replay capture.astm --profile sysmex-xn550",
        "triage report generate --out /tmp/exports   # SYNTHETIC data to try",
    ),
    ("models",): (
        "triage models list",
        "triage models verify          # every model; exit 1 on any failure",
        "triage models evaluate ckd    # re-run a card's held-out figures (train extra)",
    ),
    ("devices",): (
        "triage devices ports          # the serial ports, by their stable names",
        "triage devices replay capture.astm --profile sysmex-xn550",
    ),
    ("devices", "associations"): (
        "triage devices associations list",
        "triage devices associations attach oxi-1 --mrn MRN-0042 --actor 'Nurse Li'",
    ),
    ("referrals",): (
        "triage referrals migrate      # create the log, or upgrade it",
        "triage referrals list --status sent",
        "triage referrals backup       # into the settings' database.backup_dir",
    ),
    ("referrals", "facilities"): (
        "triage referrals facilities load facilities.csv --clinic CLINIC-001",
        "triage referrals facilities list",
    ),
    ("study",): (
        "triage study rebuild --out /tmp/study     # real geography, SYNTHETIC flows",
        "triage study rebuild --data examples/study --out /tmp/example-study",
    ),
    ("report",): (
        "triage report generate --out /tmp/exports       # SYNTHETIC data to try",
        "triage report imbalance --input /tmp/exports --out /tmp/report",
    ),
    ("serve",): (
        "triage serve          # 127.0.0.1:8000; the first visit creates the admin",
        "triage --config /etc/clinic-triage/clinic.toml serve --workers 1",
        "triage serve --host 0.0.0.0 --port 8080   # the LAN; HTTPS: docs/service.md",
    ),
    ("demo",): (
        "triage demo                   # SYNTHETIC patients on http://127.0.0.1:8000",
        "triage demo --port 0          # any free port, named in the URL printed",
    ),
    ("models", "list"): (
        "triage models list",
        "triage models list --json",
    ),
    ("models", "show"): (
        "triage models show cvd10      # the active version's card",
        "triage models show ckd --version 1.0.0 --json",
    ),
    ("models", "verify"): (
        "triage models verify          # every model; exit 1 on any failure",
        "triage models verify cvd10 --json",
    ),
    ("models", "evaluate"): (
        "triage models evaluate ckd    # exit 1 when a number differs from the card",
        "triage models evaluate cvd10 --groups 10 --json",
    ),
    ("models", "train"): (
        "triage models train cvd10 --check   # exit 1 unless the bytes shipped",
        "triage models train ckd --version 1.0.0 --check   # a retired version",
        "triage models train diabetes --out /tmp/models",
    ),
    ("devices", "listen"): (
        "triage devices listen --profile sysmex-xn550 --db var/clinic.db",
        "triage devices listen --protocol astm --port /dev/ttyUSB0 --device-id lab-1",
        "triage devices listen --protocol hl7 --tcp-listen 0.0.0.0:2575 \\",
        "    --allow-peer 192.168.1.20 --device-id monitor-1",
    ),
    ("devices", "replay"): (
        "triage devices replay capture.astm --profile sysmex-xn550",
        "    # exit 0: all parsed; 1: something quarantined (named on stderr)",
        "triage devices replay capture.hl7 --protocol hl7 --json \\",
        "    --received-at 2026-11-25T10:00:00+08:00",
    ),
    ("devices", "simulate"): (
        "triage devices simulate --pty --kind astm-analyzer --count 3 --wait 30",
        "triage devices simulate --kind hl7-monitor --tcp 127.0.0.1:2575 --count 5",
    ),
    ("devices", "ports"): (
        "triage devices ports          # by_id: the name for a profile's serial port",
        "triage devices ports --json",
    ),
    ("devices", "associations", "list"): (
        "triage devices associations list",
        "triage devices associations list --all --limit 20 --json",
    ),
    ("devices", "associations", "attach"): (
        "triage devices associations attach oxi-1 --mrn MRN-0042 --actor 'Nurse Li'",
        "triage devices associations attach oxi-1 --encounter 17 --actor 'Nurse Li' \\",
        "    --replace --reason 'moved to bed 3'",
    ),
    ("devices", "associations", "detach"): (
        "triage devices associations detach oxi-1 --actor 'Nurse Li' --reason 'left'",
    ),
    ("devices", "associations", "close-encounter"): (
        "triage devices associations close-encounter 17 --actor 'Nurse Li' \\",
        "    --reason 'advice given, home'",
    ),
    ("referrals", "migrate"): (
        "triage referrals migrate   # database.path: a new log, or an old one upgraded",
        "triage referrals migrate --db var/clinic.db --json   # that log again",
    ),
    ("referrals", "list"): (
        "triage referrals list --status sent",
        "triage referrals list --limit 20 --before-id 120   # the next page",
    ),
    ("referrals", "show"): (
        "triage referrals show 42      # exit 1 when there is no referral 42",
        "triage referrals show 42 --json",
    ),
    ("referrals", "basis-changes"): (
        "triage referrals basis-changes   # not yet reviewed",
        "triage referrals basis-changes --all --json",
    ),
    ("referrals", "acknowledge"): (
        "triage referrals acknowledge 42 --actor 'Dr Wang' \\",
        "    --reason 'the corrected glucose still needs it'",
    ),
    ("referrals", "cancel"): ("triage referrals cancel 42 --actor 'Dr Wang' --note 'corrected: local care'",),
    ("referrals", "export"): (
        "triage referrals export --format csv --out referrals.csv",
        "triage referrals export --format analytics --out export/ --table-format csv",
    ),
    ("referrals", "stats"): ("triage referrals stats --db var/clinic.db",),
    ("referrals", "verify-audit"): (
        "triage referrals verify-audit   # exit 1 naming the first broken entry",
        "triage referrals verify-audit --anchor 1234:HASH   # a head printed before",
    ),
    ("referrals", "backup"): (
        "triage referrals backup         # into the settings' database.backup_dir",
        "triage referrals backup --out /var/backups/clinic-05-01.db --json",
    ),
    ("referrals", "restore"): (
        "triage referrals restore --from /var/backups/clinic-05-01.db   # service off",
        "triage referrals restore --from /mnt/clinic.db --replace-newer   # going back",
    ),
    ("referrals", "queue"): (
        "triage referrals queue          # today's visits, most urgent first",
        "triage referrals queue --day 2026-11-25 --state open --json",
    ),
    ("referrals", "facilities", "load"): (
        "triage referrals facilities load facilities.csv --clinic CLINIC-001",
    ),
    ("referrals", "facilities", "list"): ("triage referrals facilities list --tier tertiary",),
    ("referrals", "users"): (
        "triage referrals users list",
        "triage referrals users add admin2 --role admin   # the only administrator locked out",
    ),
    ("referrals", "users", "list"): ("triage referrals users list --db /srv/clinic/clinic.db --json",),
    ("referrals", "users", "add"): (
        "triage referrals users add admin2 --role admin --db /srv/clinic/clinic.db",
        "triage referrals users add nurse2 --role nurse --language zh",
    ),
    ("referrals", "users", "disable"): ("triage referrals users disable admin1   # left the clinic",),
    ("referrals", "users", "enable"): ("triage referrals users enable admin1",),
    ("referrals", "tokens"): (
        "triage referrals tokens --db /srv/clinic/clinic.db",
        "triage referrals tokens --json",
    ),
}


def add_examples(app: typer.Typer, path: tuple[str, ...] = ()) -> None:
    """Give each command and group of ``app`` without an epilog its lines of :data:`EXAMPLES`."""
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or get_command_name(info.callback.__name__)
        lines = EXAMPLES.get((*path, name))
        if info.epilog is None and lines:
            info.epilog = examples(*lines)
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        if isinstance(group.epilog, DefaultPlaceholder) and (lines := EXAMPLES.get((*path, group.name))):
            group.epilog = examples(*lines)  # `triage referrals --help` listed commands, no command line
        add_examples(group.typer_instance, (*path, group.name))
