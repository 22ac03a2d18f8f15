"""Shared request dependencies: the runtime, a database connection, the clinic operations.

The dependencies are ``async`` on purpose: they only read application state, and FastAPI runs
plain ``def`` dependencies in its thread pool, which costs a thread hop per request.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from sqlite_utils import Database

from referral.records import MAX_RECORD_ID
from referral.records import NotBoolean as NotBoolean  # the API's body models take it from here
from triage.errors import ClinicError, DependencyMissingError
from triage.service.api.errors import said_again
from triage.service.auth import SESSION_COOKIE, Role, current_principal
from triage.service.clinic import Clinic
from triage.service.commit import GroupCommitter
from triage.service.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def clinic(request: Request) -> Clinic:
    """The clinic operations (for page handlers that call it directly)."""
    found = runtime_of(request).extras.get("clinic")
    if not isinstance(found, Clinic):
        raise DependencyMissingError(
            f"the triage engine is not loaded: {public_reason(runtime_of(request).readiness.reason)}"
        )
    return found


#: A part of a reason that names no file, address or value: a kind (``os_error``) or a fixed phrase.
_PLAIN = re.compile(r"[a-z0-9_ -]+")
DETAIL_ELSEWHERE = "the details are in the service log, and in /readyz to a signed-in administrator"


def public_reason(reason: str) -> str:
    """What ``/readyz`` tells a caller who is not a signed-in administrator, and what a request
    refused because the service is not ready (503 ``dependency_missing``) tells any caller: the
    reason's leading plain parts (``os_error``, ``primary process: invalid_config``, ``the disk
    holding the log is full``), not the rest, which may name the log's path, its folder or the
    mount point."""
    said: list[str] = []
    for part in reason.split(": "):
        if not _PLAIN.fullmatch(part):
            break
        said.append(part)
    head = ": ".join(said)
    if head == reason:
        return reason
    return f"{head or 'not ready'} ({DETAIL_ELSEWHERE})"


def sees_detail(request: Request) -> bool:
    """Whether the caller is a signed-in administrator (session or API token). A probe sends
    neither, and is not asked the referral log about; a credential that cannot be checked now (the
    log not open) or is unknown counts as none - readiness is still answered."""
    if SESSION_COOKIE not in request.cookies and "authorization" not in request.headers:
        return False
    try:
        principal = current_principal(request)
    except (ClinicError, sqlite3.Error, OSError):
        return False
    return principal is not None and principal.role is Role.admin


#: A storage error's kind (its page message ``error.storage.<kind>``) said without the file: what
#: is wrong with the referral log, and what the administrator does about it.
_STORAGE_KINDS = {
    "full": ("the disk holding it is full", "free space on it"),
    "read_only": ("it is read-only", "make it writable"),
    "cannot_open": ("it cannot be opened", "check the file and its folder"),
    "damaged": ("it is damaged", "restore the latest backup"),
    "disk_failed": ("reading or writing it failed at the disk (a full or failing disk?)", "check the disk"),
}
STORAGE_DETAIL_ELSEWHERE = (
    "the file and what to do are in the service log, and in this answer to a signed-in administrator"
)


def said_to_caller(request: Request, exc: ClinicError) -> ClinicError:
    """What a 503 ``storage_error`` or ``database_busy`` tells the caller: a signed-in administrator
    the whole message (the log's path, its mount point, owner and the commands that fix it), any
    other role the kind and what to do - ask the administrator -, as ``/readyz`` does
    (:func:`public_reason`); every other error as it is."""
    if exc.code not in ("storage_error", "database_busy") or sees_detail(request):
        return exc
    if exc.code == "database_busy":
        said = (
            "referral log: it stayed locked by another writer; nothing of this request was stored -"
            " send it again in a moment, and tell the administrator if it keeps happening"
        )
    else:
        what, fix = _STORAGE_KINDS.get((exc.says or "").rpartition(".")[2], ("it cannot be used", "check it"))
        said = f"referral log: {what}; nothing of this request was stored - ask the administrator to {fix}"
    public = said_again(exc, f"{said} ({STORAGE_DETAIL_ELSEWHERE})")
    public.params = {name: value for name, value in exc.params.items() if name != "file"}
    return public


async def runtime_dep(request: Request) -> Runtime:
    return runtime_of(request)


async def database_dep(request: Request) -> Database:
    return runtime_of(request).databases.bound()


async def clinic_dep(request: Request) -> Clinic:
    return clinic(request)


def committer(rt: Runtime) -> GroupCommitter:
    found = rt.extras.get("committer")
    if not isinstance(found, GroupCommitter):
        raise DependencyMissingError(
            f"the database writer is not running: {public_reason(rt.readiness.reason)}"
        )
    return found


RuntimeDep = Annotated[Runtime, Depends(runtime_dep)]
DbDep = Annotated[Database, Depends(database_dep)]
ClinicDep = Annotated[Clinic, Depends(clinic_dep)]

MAX_ID = MAX_RECORD_ID
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="A record's id in the referral log")]
"""A record id in a page's path: out of range is a 422 naming it (SQLite stores 64-bit ids; a
larger number failed in the database as a 500)."""


def _query_boolean(value: object) -> object:
    if value is None or isinstance(value, bool):  # (the parameter's default)
        return value
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        raise PydanticCustomError("query_boolean", "must be true or false in lower case, as JSON writes them")
    raise PydanticCustomError("query_boolean", "must be true or false")


QueryBoolean = BeforeValidator(_query_boolean)
"""``Annotated[bool | None, QueryBoolean, Query(...)]``: a yes/no query parameter takes ``true`` or
``false``, in lower case - the two words a JSON body's yes/no field takes
(``triage.json_input.JsonBoolean``) and OpenAPI writes a boolean parameter as; anything else is a
422 naming it. pydantic read ``1``, ``yes``, ``on``, ``t`` and ``y`` as true and ``0``, ``no``,
``off`` as false without a word, and ``True``, ``TRUE`` were taken until 2026-12-05 (Python's
requests sends a ``True`` parameter as ``True``: such a client sends ``"true"``)."""
