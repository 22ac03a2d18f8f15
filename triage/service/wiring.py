"""Start and stop the clinical parts of a running service: engine, device gateway, pipeline.

Readiness (``/readyz``) turns true only after the referral log is migrated, the policy and every
enabled risk model loaded and verified, and - when device profiles are configured - the gateway
is listening. A failure leaves the service up but not ready, with the reason in ``/readyz``.

A referral log that cannot be opened for a reason that can pass (:class:`LogUnavailable`: its
folder missing or read-only, a full disk, a mount not back yet) is tried again in the background,
after 1 s, then twice as long each time up to every 30 s; the service becomes ready when it opens.
Each kind of failure is logged once, and the recovery once. A permanent one (a file that is not a
referral log, one a newer version migrated, a folder given as ``database.path``, a bad policy or
model) is not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import sqlite3

from referral.forward_clock import newest_time
from triage.errors import ClinicError
from triage.service.auth_clock import remember_forever, remember_now
from triage.service.clinic import Clinic, Engine
from triage.service.commit import GroupCommitter
from triage.service.database import LogUnavailable
from triage.service.runtime import LogRetry, Readiness, Runtime
from triage.service.shared_state import share_forever
from triage.service.writer import WriterService

log = logging.getLogger("triage.service")

#: Opening the referral log is tried again after this many seconds, doubled each time up to the cap.
LOG_RETRY_FIRST_S = 1.0
LOG_RETRY_MAX_S = 30.0


def load_engine(runtime: Runtime) -> Engine:
    from triage.policy import load_policy
    from triage.riskmodels import load_enabled_models

    settings = runtime.settings
    policy = load_policy(settings.policy.file)
    models = load_enabled_models(settings.models)
    return Engine(policy=policy, models=models)


async def start_clinic(runtime: Runtime) -> None:
    runtime.readiness = dataclasses.replace(runtime.readiness, ready=False)
    pool = runtime.extras.get("workers")
    if runtime.worker != 0 or getattr(pool, "count", 1) > 1:
        # ``serve --workers``: tell the other processes how this one is, every second.
        runtime.extras["sharing_task"] = asyncio.get_running_loop().create_task(share_forever(runtime))
    try:
        await asyncio.to_thread(runtime.databases.migrate)
    except LogUnavailable as exc:
        runtime.readiness = Readiness(False, f"{exc.code}: {exc}", LogRetry.after(1, LOG_RETRY_FIRST_S))
        log.error(
            "service not ready: %s (tried again in the background up to every %d s; said once per kind)",
            runtime.readiness.reason,
            LOG_RETRY_MAX_S,
        )
        retry = asyncio.get_running_loop().create_task(retry_opening_the_log(runtime))
        runtime.extras["log_retry_task"] = retry
        return
    except (ClinicError, OSError) as exc:
        not_ready(runtime, exc)
        return
    await start_after_the_log(runtime)


def not_ready(runtime: Runtime, exc: Exception) -> None:
    """Not ready for good (until a restart): the reason, and no retry."""
    runtime.readiness = Readiness(False, f"{getattr(exc, 'code', 'os_error')}: {exc}")
    log.error("service not ready: %s", runtime.readiness.reason)


async def retry_opening_the_log(runtime: Runtime) -> None:
    """Try to open the referral log again, 1 s then twice as long each time up to 30 s, until it
    opens (then start the rest and announce readiness) or fails for a reason that will not pass."""
    delay = LOG_RETRY_FIRST_S
    failing = runtime.readiness.reason
    while True:
        await asyncio.sleep(delay)
        try:
            await asyncio.to_thread(runtime.databases.migrate)
        except LogUnavailable as exc:
            delay = min(delay * 2, LOG_RETRY_MAX_S)
            reason = f"{exc.code}: {exc}"
            retried = runtime.readiness.retry
            failed = retried.failed_attempts + 1 if retried is not None else 1
            runtime.readiness = Readiness(False, reason, LogRetry.after(failed, delay))
            if reason != failing:  # once per kind, not every attempt
                log.error("service not ready: %s (tried again; said once per kind)", reason)
                failing = reason
            continue
        except (ClinicError, OSError) as exc:
            not_ready(runtime, exc)  # and no retry any more
            return
        break
    log_opened(runtime)
    log.warning("referral log %s opens now; starting", runtime.databases.path)
    await start_after_the_log(runtime)
    announce = runtime.extras.get("announce")
    if runtime.readiness.ready and callable(announce):
        announce(runtime)  # ``triage serve`` says what it runs on, as when ready at start


def log_opened(runtime: Runtime) -> None:
    """The background retry opened the log: /readyz says "starting", then what starts, until the rest
    has started - not the failure the log no longer has, and no retry (one value: ``Readiness``)."""
    runtime.readiness = Readiness(False, "starting")


async def start_after_the_log(runtime: Runtime) -> None:
    """Everything after the referral log: engine, group committer, gateway, then ready."""
    pool = runtime.extras.get("workers")
    try:
        # sessions and API tokens never expire by a time before what the log already holds (a
        # restart after the clock was set back: referral.forward_clock)
        with contextlib.suppress(sqlite3.Error):  # (a few indexed reads; a log it cannot read fails later)
            runtime.wall.hold_at_least(newest_time(runtime.databases.get()))
        runtime.readiness = Readiness(False, "loading policy and risk models")
        engine = await asyncio.to_thread(load_engine, runtime)
        clinic = Clinic(engine, runtime.hub, runtime.metrics, runtime.settings.clinic_id, runtime.clock)
        runtime.extras["clinic"] = clinic
        committer = GroupCommitter(runtime.settings.database.path, runtime.settings.database.busy_timeout_ms)
        committer.start()
        runtime.extras["committer"] = committer
        endpoints = runtime.extras.get("device_endpoints")
        if (endpoints or runtime.settings.gateway.profiles) and runtime.settings.service.run_gateway:
            from triage.service.pipeline import start_gateway

            runtime.readiness = Readiness(False, "starting the device gateway")
            await start_gateway(runtime, clinic, endpoints)
    except (ClinicError, OSError) as exc:
        not_ready(runtime, exc)
        return
    if runtime.extras.get("freeze_gc"):
        # Everything loaded so far (code, schemas, models) lives as long as the process. Python's
        # full garbage collection walked all of it: a 124 ms pause every few thousand walk-ins,
        # the worst latency a request saw. Frozen, a full collection only walks what came after.
        gc.collect()
        gc.freeze()
    runtime.readiness = Readiness(True, "")
    if runtime.worker == 0:  # the primary forgets expired idempotency keys, now and every hour
        from triage.service.api.idempotency import purge_forever

        runtime.extras["key_purge_task"] = asyncio.get_running_loop().create_task(purge_forever(runtime))
        # and keeps the time it counted, the floor of its clock after a restart (auth_clock)
        runtime.extras["clock_task"] = asyncio.get_running_loop().create_task(remember_forever(runtime))
    if pool is not None:
        try:
            # The workers start once the primary is ready; the primary writes their walk-ins.
            writes = WriterService(runtime, clinic)
            await asyncio.to_thread(pool.start, writes.attach)
        except OSError as exc:
            log.error("could not start the worker processes (%s); this process serves alone", exc)


async def stop_clinic(runtime: Runtime) -> None:
    # why it is not ready now, for /readyz and what is refused meanwhile - a walk-in a worker hands
    # the primary's writer line ("the database writer is not running: stopping: sigterm"); the
    # ready service's reason was kept, "", and the refusal ended in a colon
    runtime.readiness = Readiness(False, f"stopping: {runtime.stop_cause or 'asked to stop'}")
    sharing = runtime.extras.pop("sharing_task", None)
    if isinstance(sharing, asyncio.Task):
        sharing.cancel()
    purging = runtime.extras.pop("key_purge_task", None)
    if isinstance(purging, asyncio.Task):
        purging.cancel()
    keeping = runtime.extras.pop("clock_task", None)
    if isinstance(keeping, asyncio.Task):
        keeping.cancel()
        await asyncio.to_thread(remember_now, runtime)  # the time it stopped at
    retry = runtime.extras.pop("log_retry_task", None)
    if isinstance(retry, asyncio.Task):
        retry.cancel()  # awaited: what it may have started (committer, gateway) is stopped below
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await retry
    task = runtime.extras.pop("gateway_task", None)
    gateway = runtime.extras.pop("gateway", None)
    if gateway is not None:
        gateway.stop()
    if isinstance(task, asyncio.Task):
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)
    committer = runtime.extras.pop("committer", None)
    if isinstance(committer, GroupCommitter):
        await committer.stop()
