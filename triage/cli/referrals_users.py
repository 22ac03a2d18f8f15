"""`triage referrals users list | add | disable | enable`: the staff accounts of the clinic's log, from the service's
machine. The accounts were the API's alone (an administrator signed in) and `/setup` closes once
any account exists, so a clinic whose only administrator forgot the password, or left, had no way
back in; whoever may write the log file adds one here, under the service's password rules, audited
(``user.create`` by ``cli:<user>``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast, get_args

import typer

from referral.errors import ClinicError, ConflictError, NotFoundError, UserInputError, json_text
from referral.records import Language, Role
from triage.cli.context import AppContext
from triage.cli.output import echo, print_json, print_table
from triage.cli.paths import triage_command
from triage.cli.referrals_log import DbOption, JsonOption, cli_actor, open_log, read_log
from triage.cli.referrals_open import _path, absent, log_command

if TYPE_CHECKING:
    from sqlite_utils import Database

T = TypeVar("T")

app = typer.Typer(
    help="Staff accounts, on the service's machine: list, add (an administrator locked out), disable,"
    " enable. A user name is taken as the service's /login takes it: Nurse1 is nurse1.",
    no_args_is_help=True,
)

COLUMNS = ("username", "role", "language", "created_at", "state")


@app.command("list", short_help="Staff accounts: user name, role, language, created, state.")
def list_command(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Staff accounts: user name, role, language of the pages, created, state (active or disabled);
    never a password or its hash. As GET /api/v1/users, with the creation time."""
    from referral import users  # the log's modules (sqlite-utils): when a command opens it

    listed = [
        {**row, "state": "disabled" if row["disabled"] else "active"}
        for row in users.list_users(read_log(ctx, db))
    ]
    if as_json:
        print_json(listed)
    elif not listed:
        echo(
            "no staff accounts yet: the service's first page (/setup) creates the administrator, or"
            f" `{triage_command()} referrals users add NAME --role admin`"
        )
    else:
        print_table(listed, COLUMNS)


@app.command(
    "add", short_help="Add a staff account (an administrator locked out); the password asked, not shown."
)
def add_command(
    ctx: typer.Context,
    username: Annotated[
        str,
        typer.Argument(
            metavar="USERNAME", help="User name: 2-64 characters from a-z, 0-9, '.', '_' and '-'."
        ),
    ],
    role: Annotated[
        str,
        typer.Option(
            "--role", help=f"The account's role: {', '.join(get_args(Role))} (docs/service.md, Roles)."
        ),
    ],
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help=f"Language of its pages: {', '.join(get_args(Language))}; default: the settings'"
            " service.default_language (zh unless set), as POST /api/v1/users without one.",
            show_default=False,
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input's first line (a script); else it is asked"
            " twice, not shown.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a staff account to the log - an administrator when the only one forgot the password or
    left (/setup closes once any account exists). The password follows the service's rules (at
    least 10 characters, not a common one, not the user name); the account signs in at the
    service's /login at once, the service running or not. Audited user.create by cli:<user>."""
    from referral.users import checked_username
    from triage.service.security import hash_password

    if role not in get_args(Role):
        raise UserInputError(f"--role {json_text(role)} is not one of {', '.join(get_args(Role))}")
    if language is None:  # the clinic's language, as POST /api/v1/users without one (it was en)
        language = cast(AppContext, ctx.obj).settings.service.default_language
    if language not in get_args(Language):
        raise UserInputError(
            f"--language {json_text(language)} is not one of {', '.join(get_args(Language))}"
        )
    try:
        name = checked_username(username)
        password = _password(password_stdin)
        password_hash = hash_password(password, name)  # the service's rules; slow on purpose
        from referral import users

        database = open_log(ctx, db)
        try:
            row = _written(
                ctx,
                database,
                lambda d: users.create_user(
                    d, name, password_hash, role, language=language, actor=cli_actor()
                ),
                f"the account {name}",
            )
        except ConflictError as exc:  # the name is taken: by an account in use, or a disabled one
            taken = users.get_user(database, name)
            raise (ConflictError(_taken(ctx, taken, db)) if taken else exc) from None
    except ClinicError as exc:  # said as the command's: nothing was added
        exc.args = (f"{exc}; no account was added",)
        raise
    entry = int(
        database.conn.execute(
            "SELECT max(seq) FROM audit WHERE action = 'user.create' AND entity_id = ?", [name]
        ).fetchone()[0]
    )
    shown = {key: row[key] for key in ("username", "role", "language", "created_at")}
    if as_json:
        print_json(shown | {"disabled": bool(row["disabled"]), "audit_entry": entry})
        return
    echo(
        f"added the account {name} ({role}); it signs in at the service's /login; recorded as audit entry"
        f" {entry}"
    )


def _taken(ctx: typer.Context, account: dict[str, Any], db: Path | None) -> str:
    """The log has an account of that name: which log, the account's role and state, and what to do
    - another name, or, for a disabled account, the command that enables it (the one an
    administrator locked out may have meant to get back). It said 'user "nurse1" already exists'."""
    name, state = account["username"], "disabled" if account["disabled"] else "active"
    todo = "choose another user name"
    if account["disabled"]:
        todo = f"`{log_command(db, f'users enable {name}')}` lets it sign in again, or {todo}"
    return (
        f"an account {name} ({account['role']}, {state}) is in the referral log {_path(ctx, db)[0]}"
        f" already: {todo}"
    )


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UserInputError(
                "--password-stdin: standard input was empty; give the password on its first line"
            )
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserInputError(
            "no terminal to ask the password on: give it on standard input with --password-stdin"
        )
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _written(ctx: typer.Context, database: Database, work: Callable[[Database], T], what: str) -> T:
    """``work`` written as the service writes an account (``triage.service.auth.write_account``):
    while another writer holds the log past 2 s (a backup, a migration, another command) the
    command says so at once, ``what`` not stored - it waited ``database.busy_timeout_ms`` per try,
    six tries (33 s with the default 5 s, 6 min with 60 s), then said "stayed locked"."""
    from triage.service.auth import write_account

    busy_timeout_ms = cast(AppContext, ctx.obj).settings.database.busy_timeout_ms
    return write_account(database, work, busy_timeout_ms, what, "run the command again")


def _set_disabled(ctx: typer.Context, username: str, disabled: bool, db: Path | None, as_json: bool) -> None:
    from referral import users  # the log's modules (sqlite-utils): when a command opens it

    if not users.account_name(username):
        raise UserInputError(
            f"USERNAME is empty: give the account's user name (`{log_command(db, 'users list')}` lists"
            " them); nothing changed"
        )
    name = users.account_name(username)  # as the service's /login and API find it ("Nurse1" was not found)
    database = open_log(ctx, db)
    try:
        changed = _written(
            ctx,
            database,
            lambda d: users.set_disabled(d, name, disabled, actor=cli_actor()),
            f"the {'disabling' if disabled else 'enabling'} of the account {name}",
        )
    except NotFoundError:
        raise NotFoundError(_not_found(ctx, username, db)) from None
    row = users.get_user(database, name) or {}
    undo = f"`{log_command(db, f'users enable {name}')}` undoes it"
    if as_json:
        shown = {key: row[key] for key in ("username", "role", "language", "created_at", "disabled")}
        print_json(shown | {"changed": changed})
    elif not changed:
        state = "disabled" if disabled else "enabled"
        echo(f"the account {name} ({row['role']}) was {state} already: nothing changed, nothing recorded")
    elif disabled:
        echo(
            f"disabled the account {name} ({row['role']}): its sessions ended, its API tokens are refused; {undo}"
        )
    else:
        echo(
            f"enabled the account {name} ({row['role']}): it signs in again, its tokens not revoked work again"
        )


def _not_found(ctx: typer.Context, username: str, db: Path | None) -> str:
    """No account of that name in the log: which log, why the name can be none (not a user name's
    characters), and the command that lists them; it said 'user "nobody" not found' alone."""
    from referral import users

    name = users.account_name(username)
    why = (
        ""
        if 2 <= len(name) <= 64 and set(name) <= users.USERNAME_CHARS
        else " (a user name is 2-64 characters from a-z, 0-9, '.', '_' and '-')"
    )
    return absent(ctx, db, f"account {json_text(username)}", "users list", "accounts", why=why, writes=True)


def _account_switch(name: str, disabled: bool, short_help: str, doc: str) -> None:
    """``users disable`` and ``users enable``: the same command but for the state it sets."""

    def command(
        ctx: typer.Context,
        username: Annotated[
            str,
            typer.Argument(
                metavar="USERNAME",
                help="The account's user name (users list), in any case: Nurse1 is nurse1.",
            ),
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        _set_disabled(ctx, username, disabled, db, as_json)

    command.__doc__ = doc
    app.command(name, short_help=short_help)(command)


_account_switch(
    "disable",
    True,
    "Disable a staff account: its sessions end, its API tokens are refused.",
    """Disable a staff account (a member of staff who left, the administrator who can no longer sign
    in): its sessions end and its API tokens are refused from the next request on, the service
    running or not; audited user.disable by cli:<user>. As POST /api/v1/users/{username}/disable.""",
)
_account_switch(
    "enable",
    False,
    "Enable a disabled staff account again.",
    """Enable a disabled account again: it signs in again, and its tokens not revoked work again;
    audited user.enable by cli:<user>. As POST /api/v1/users/{username}/enable.""",
)
