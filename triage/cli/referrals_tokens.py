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
    revoked, disabled); never the token. As GET /api/v1/tokens."""
    from referral import users  # the log's modules (sqlite-utils): when a command opens it

    listed = users.list_tokens(read_log(ctx, db), datetime.now(UTC).isoformat(timespec="milliseconds"))
    if as_json:
        print_json(listed)
        return
    if not listed:
        echo("no API tokens (an administrator issues them: POST /api/v1/tokens)")
        return
    print_table(listed, COLUMNS)
