"""Which process runs a run, and whether it still lives: a run whose process died (killed, out of
memory, its database gone mid-write) is failed and its pool slots freed, instead of holding the
`warehouse` pool, and every run queued behind it, forever.

A run's worker is the first process that logged its pid for the run (Dagster's "Started process for
run" or "Executing steps in process" event); the host it runs on is the `fakestore/worker_host` tag,
set where it is known: by `materialize` for its own runs, by the run launcher below for runs of a
code server on this machine. Where the worker is on another machine (docker-compose's code-location
container), its health cannot be told from here and the run is left to Dagster's own timeouts.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

import dagster as dg
import psutil
from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus
from dagster._core.launcher.base import LaunchRunContext
from dagster._core.remote_origin import (
    GrpcServerCodeLocationOrigin,
    ManagedGrpcPythonEnvCodeLocationOrigin,
)
from dagster._core.storage.dagster_run import FINISHED_STATUSES, DagsterRun, RunsFilter

HOST_TAG = "fakestore/worker_host"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# A pid event is written right after its process starts; a process created later reuses the pid.
PID_REUSE_SLACK_SECONDS = 5.0
DIED = "its process {pid} on {host} died without finishing the run (killed, or crashed)"


def this_host() -> dict[str, str]:
    """The tag saying a run executes on this machine."""
    return {HOST_TAG: socket.gethostname()}


def logged_worker(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid the run's worker logged first, and when it logged it."""
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=20
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        pid = event.engine_event_data.metadata.get("pid") if event else None
        if pid is not None:
            return int(pid.value), record.event_log_entry.timestamp
    return None


def worker_died(instance: dg.DagsterInstance, run: DagsterRun) -> str | None:
    """Why the run's worker is known to be dead, or None when it lives or cannot be told."""
    host = run.tags.get(HOST_TAG)
    if host != socket.gethostname():
        return None
    logged = logged_worker(instance, run.run_id)
    if logged is None:
        return None  # not started yet: Dagster's start timeout covers a worker that never starts
    pid, logged_at = logged
    try:
        process = psutil.Process(pid)
        if process.status() != psutil.STATUS_ZOMBIE and (
            process.create_time() <= logged_at + PID_REUSE_SLACK_SECONDS
        ):
            return None
    except psutil.NoSuchProcess:
        pass
    return DIED.format(pid=pid, host=host)


def free_slots_of_ended_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free the pool slots still claimed by runs that ended: what the daemon does after
    `free_slots_after_run_end_seconds`, done at once where no daemon runs."""
    storage = instance.event_log_storage
    run_ids = storage.get_concurrency_run_ids()
    if not run_ids:
        return []
    ended = instance.get_run_records(
        filters=RunsFilter(run_ids=list(run_ids), statuses=FINISHED_STATUSES)
    )
    for record in ended:
        storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
    return [record.dagster_run.run_id for record in ended]


def runs_of_dead_workers(instance: dg.DagsterInstance) -> list[tuple[DagsterRun, str]]:
    """Every started run whose worker on this machine died, with why it is known dead."""
    started = instance.get_runs(
        filters=RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING])
    )
    dead = ((run, worker_died(instance, run)) for run in started)
    return [(run, reason) for run, reason in dead if reason is not None]


def fail_runs_of_dead_workers(instance: dg.DagsterInstance) -> list[str]:
    """Fail every started run whose worker on this machine died, then free the slots of every ended
    run: a run launched here never waits behind a dead one."""
    failed = []
    for run, reason in runs_of_dead_workers(instance):
        instance.report_run_failed(run, f"Run failed: {reason}.")
        failed.append(run.run_id)
    free_slots_of_ended_runs(instance)
    return failed


def _is_local(run: DagsterRun) -> bool:
    """Whether the run's code server, which starts its worker, runs on this machine."""
    origin = run.remote_job_origin
    location = origin.repository_origin.code_location_origin if origin else None
    if isinstance(location, ManagedGrpcPythonEnvCodeLocationOrigin):
        return True  # started by this process (dagster dev, the daemon) from workspace.yaml
    if isinstance(location, GrpcServerCodeLocationOrigin):
        return location.socket is not None or location.host in LOCAL_HOSTS
    return False


class WorkerCheckingRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher (a run worker started by the code server), whose workers run
    monitoring can check: a dead worker's run is failed, so run retries start it again and the
    daemon frees its slots."""

    def launch_run(self, context: LaunchRunContext) -> None:
        if _is_local(context.dagster_run):
            run_id = context.dagster_run.run_id
            self._instance.add_run_tags(run_id, this_host())
            context = context._replace(dagster_run=self._instance.get_run_by_id(run_id))
        super().launch_run(context)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        reason = worker_died(self._instance, run)
        if reason is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, reason)

    @classmethod
    def from_config_value(
        cls, inst_data: Any, config_value: Mapping[str, Any]
    ) -> WorkerCheckingRunLauncher:
        return cls(inst_data=inst_data)
