"""Shared request dependencies: the runtime, a database connection, the clinic operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlite_utils import Database

from triage.errors import DependencyMissingError
from triage.service.clinic import Clinic
from triage.service.commit import GroupCommitter
from triage.service.runtime import Runtime


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def database(request: Request) -> Database:
    return runtime(request).databases.bound()


def clinic(request: Request) -> Clinic:
    found = runtime(request).extras.get("clinic")
    if not isinstance(found, Clinic):
        raise DependencyMissingError(f"the triage engine is not loaded: {runtime(request).not_ready_reason}")
    return found


RuntimeDep = Annotated[Runtime, Depends(runtime)]
DbDep = Annotated[Database, Depends(database)]
ClinicDep = Annotated[Clinic, Depends(clinic)]


def committer(rt: Runtime) -> GroupCommitter:
    found = rt.extras.get("committer")
    if not isinstance(found, GroupCommitter):
        raise DependencyMissingError(f"the database writer is not running: {rt.not_ready_reason}")
    return found
