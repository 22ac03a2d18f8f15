"""Start and stop the clinical parts of a running service: engine, device gateway, pipeline.

Readiness (``/readyz``) turns true only after the referral log is migrated, the policy and every
enabled risk model loaded and verified, and - when device profiles are configured - the gateway
is listening. A failure leaves the service up but not ready, with the reason in ``/readyz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging

from triage.errors import ClinicError
from triage.service.clinic import Clinic, Engine
from triage.service.commit import GroupCommitter
from triage.service.runtime import Runtime
from triage.service.shared_state import share_forever
from triage.service.writer import WriterService

log = logging.getLogger("triage.service")


def load_engine(runtime: Runtime) -> Engine:
    from triage.policy import load_policy
    from triage.riskmodels import load_enabled_models

    settings = runtime.settings
    policy = load_policy(settings.policy.file)
    models = load_enabled_models(settings.models)
    return Engine(policy=policy, models=models)


async def start_clinic(runtime: Runtime) -> None:
    runtime.ready = False
    pool = runtime.extras.get("workers")
    if runtime.worker != 0 or getattr(pool, "count", 1) > 1:
        # ``serve --workers``: tell the other processes how this one is, every second.
        runtime.extras["sharing_task"] = asyncio.get_running_loop().create_task(share_forever(runtime))
    try:
        await asyncio.to_thread(runtime.databases.migrate)
        runtime.not_ready_reason = "loading policy and risk models"
        engine = await asyncio.to_thread(load_engine, runtime)
        clinic = Clinic(engine, runtime.hub, runtime.metrics, runtime.settings.clinic_id, runtime.clock)
        runtime.extras["clinic"] = clinic
        committer = GroupCommitter(runtime.settings.database.path, runtime.settings.database.busy_timeout_ms)
        committer.start()
        runtime.extras["committer"] = committer
        endpoints = runtime.extras.get("device_endpoints")
        if (endpoints or runtime.settings.gateway.profiles) and runtime.settings.service.run_gateway:
            from triage.service.pipeline import start_gateway

            runtime.not_ready_reason = "starting the device gateway"
            await start_gateway(runtime, clinic, endpoints)
    except (ClinicError, OSError) as exc:
        runtime.not_ready_reason = f"{getattr(exc, 'code', 'os_error')}: {exc}"
        log.error("service not ready: %s", runtime.not_ready_reason)
        return
    if runtime.extras.get("freeze_gc"):
        # Everything loaded so far (code, schemas, models) lives as long as the process. Python's
        # full garbage collection walked all of it: a 124 ms pause every few thousand walk-ins,
        # the worst latency a request saw. Frozen, a full collection only walks what came after.
        gc.collect()
        gc.freeze()
    runtime.ready = True
    runtime.not_ready_reason = ""
    if pool is not None:
        try:
            # The workers start once the primary is ready; the primary writes their walk-ins.
            writes = WriterService(runtime, clinic)
            await asyncio.to_thread(pool.start, writes.attach)
        except OSError as exc:
            log.error("could not start the worker processes (%s); this process serves alone", exc)


async def stop_clinic(runtime: Runtime) -> None:
    runtime.ready = False
    sharing = runtime.extras.pop("sharing_task", None)
    if isinstance(sharing, asyncio.Task):
        sharing.cancel()
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
