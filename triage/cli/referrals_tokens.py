"""`triage referrals tokens`: the API tokens of the clinic's log, as an administrator checks them on
the service's machine - owner, role, label, created, last used, expiry, state; never the token."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from triage.cli.output import echo, print_json, print_table
from triage.cli.referrals_log import DbOption, JsonOption, read_log

COLUMNS = ("id", "username", "role", "label", "created_at", "last_used_at", "expires_at", "state")


def tokens_command(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """API tokens: owner, role, label, created, last used, expiry and state (live, expired,
    revoked, disabled); never the token. As GET /api/v1/tokens - and as the service, by a clock that
    never reads earlier than the newest time the log holds (a clock set back)."""
    from referral import users  # the log's modules (sqlite-utils): when a command opens it
    from referral.forward_clock import ForwardClock, newest_time

    database = read_log(ctx, db)
    # as the service counts: never before the newest time the log holds (a clock set back)
    now = ForwardClock(floor=newest_time(database))()
    listed = users.list_tokens(database, datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"))
    if as_json:
        print_json(listed)
        return
    if not listed:
        echo("no API tokens (an administrator issues them: POST /api/v1/tokens)")
        return
    print_table(listed, COLUMNS)
