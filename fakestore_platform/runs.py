"""Launching one run of the platform's assets in this process, with its inputs checked first and its
failures reported as one line each: what `make demo` and `fakestore-platform materialize` use."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import psutil

from fakestore_platform.errors import FakestoreError
from fakestore_platform.settings import Settings, load_settings

PARTITION_RANGE_SEPARATOR = "..."


TICK_SECONDS = 1.0
# How long this process's children (dbt) get to stop on SIGTERM before they are killed.
CHILDREN_STOP_SECONDS = 3


class RunInterrupted(FakestoreError):
    """SIGINT or SIGTERM stopped the run: it is recorded as ended, its slots are freed, and nothing is
    half-written (each load and each dbt model is one transaction, rolled back with its connection)."""

    def __init__(self, run_id: str, signal_name: str) -> None:
        super().__init__(
            f"run {run_id} stopped by {signal_name}: what it was writing was rolled back, what it"
            " had finished stays"
        )


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    failures: list[str] = field(default_factory=list)
    check_evaluations: list[Any] = field(default_factory=list)
    log_file: Path | None = None

    def failure_line(self) -> str:
        """The run's failure as the one line a command ends with."""
        return f"run {self.run_id} failed: " + "; ".join(self.failures)


def _partition_day(raw: str, settings: Settings, today: date) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise FakestoreError(f"partition {raw!r} is not a day like 2020-01-31") from None
    if not settings.carts_start <= day <= today:
        raise FakestoreError(
            f"partition {raw} is outside the carts partitions, {settings.carts_start} to today ({today})"
        )
    return day


def parse_partitions(
    partition: str | None,
    partition_range: str | None,
    settings: Settings,
    today: date | None = None,
) -> tuple[date, date] | None:
    """The first and last partition day asked for, or None for none; clear errors for the rest."""
    today = today or date.today()
    if partition and partition_range:
        raise FakestoreError("give either a partition or a partition range, not both")
    if partition:
        day = _partition_day(partition, settings, today)
        return day, day
    if not partition_range:
        return None
    first, separator, last = partition_range.partition(PARTITION_RANGE_SEPARATOR)
    if not separator:
        raise FakestoreError(
            f"partition range {partition_range!r} must look like 2020-01-01...2020-03-31"
        )
    days = _partition_day(first, settings, today), _partition_day(last, settings, today)
    if days[1] < days[0]:
        raise FakestoreError(f"partition range {partition_range} ends before it starts")
    return days


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what caused it, outermost first, as a traceback would show them."""
    chain: list[BaseException] = []
    error: BaseException | None = exc
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return chain


def _database_lost(exc: BaseException) -> str | None:
    """What the PostgreSQL driver said, when `exc` comes from a lost database connection: Dagster's
    storage lives on the warehouse's server, so a run that loses it cannot go on, nor record why."""
    import psycopg
    import psycopg2
    import sqlalchemy.exc
    from dagster_postgres.utils import DagsterPostgresException

    lost = [
        error
        for error in _chain(exc)
        if isinstance(
            error,
            psycopg.OperationalError
            | psycopg.InterfaceError
            | psycopg2.OperationalError
            | psycopg2.InterfaceError
            | sqlalchemy.exc.OperationalError
            | sqlalchemy.exc.InterfaceError
            | DagsterPostgresException,
        )
    ]
    if not lost:
        return None
    drivers = [e for e in lost if isinstance(e, psycopg.Error | psycopg2.Error)]
    said = (drivers or lost)[-1]  # the innermost: the driver's own words
    return " ".join(str(said).split()) or type(said).__name__


def _record_failure(instance: Any, run_id: str, resources: dict[str, Any]) -> list[str]:
    """Record the failed run in audit.run_failures and post it to the webhook, as the sensor does
    for the daemon's runs (which never sees this process's); its causes, one line per failed step."""
    import dagster as dg

    from fakestore_platform.defs.automation.run_failures import record_run_failure, run_failure

    failure = run_failure(instance, instance.get_run_by_id(run_id))
    try:
        with dg.build_resources(resources, instance=instance) as built:
            record_run_failure(failure, built.warehouse, built.failure_webhook)
    except FakestoreError as exc:
        print(
            f"fakestore-platform: warning: run {run_id} is not recorded in audit.run_failures: {exc}",
            file=sys.stderr,
        )
    return failure.causes


def materialize(
    selection: str, partitions: tuple[date, date] | None, log_dir: Path | None = None
) -> RunOutcome:
    """Materialize `selection` (Dagster's asset selection syntax) over `partitions` as one run.
    With `log_dir`, the run's own output (dbt's and Dagster's logs) goes to a file there named for
    the run, and a line per step is printed as it ends.

    Definitions are built here, from the settings of the environment the caller configured.
    """
    import dagster as dg
    from dagster._core.utils import make_new_run_id

    from fakestore_platform.definitions import build_definitions
    from fakestore_platform.run_output import StepReporter, output_to_log
    from fakestore_platform.run_workers import fail_runs_of_dead_workers, this_host

    defs = build_definitions(load_settings())
    graph = defs.resolve_asset_graph()
    try:
        keys = dg.AssetSelection.from_string(selection).resolve(graph)
    except dg.DagsterError as exc:
        raise FakestoreError(f"invalid asset selection {selection!r}: {exc}") from None
    if not keys:
        raise FakestoreError(f"asset selection {selection!r} selects no asset")
    partitioned = sorted(
        k.to_user_string() for k in keys if graph.get(k).partitions_def is not None
    )
    if partitioned and not partitions:
        raise FakestoreError(
            f"{', '.join(partitioned)} {'is' if len(partitioned) == 1 else 'are'} partitioned by day:"
            " give a partition or a partition range"
        )
    tags = this_host()
    if partitions:
        first, last = partitions
        tags |= {
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        }
    job = defs.resolve_job_def("materialize_everything")
    recorders = {name: defs.resources[name] for name in ("warehouse", "failure_webhook")}
    run_id = make_new_run_id()
    try:
        with dg.DagsterInstance.get() as instance, ExitStack() as output:
            # A run whose process died (kill -9, a lost database) still holds the warehouse pool.
            for dead_run_id in fail_runs_of_dead_workers(instance):
                _record_failure(instance, dead_run_id, recorders)
            on_tick, log_file = None, None
            if log_dir is not None:
                log_file = log_dir / f"run-{run_id}.log"
                terminal = output.enter_context(output_to_log(log_file))
                on_tick = StepReporter(instance, run_id, terminal)
            result = _until_signalled(
                instance,
                run_id,
                lambda: job.execute_in_process(
                    instance=instance,
                    run_id=run_id,
                    asset_selection=list(keys),
                    tags=tags,
                    # Dagster's console log would bury the outcome; failures are returned below.
                    run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
                    raise_on_error=False,
                ),
                on_tick.report_new if on_tick else None,
            )
            if on_tick:
                on_tick.report_new()
            failures = [] if result.success else _record_failure(instance, run_id, recorders)
    except Exception as exc:
        said = _database_lost(exc)
        if said is None:
            raise
        raise FakestoreError(
            f"run {run_id} failed: lost the connection to PostgreSQL, which holds the warehouse"
            f" and Dagster's run storage: {said}"
        ) from None
    return RunOutcome(
        run_id=result.run_id,
        success=result.success,
        failures=failures,
        check_evaluations=list(result.get_asset_check_evaluations()),
        log_file=log_file,
    )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _until_signalled(
    instance: Any,
    run_id: str,
    execute: Callable[[], Any],
    on_tick: Callable[[], None] | None = None,
) -> Any:
    """`execute` the run in a thread of its own, so SIGINT and SIGTERM reach this one at once (Dagster
    defers them in the thread that executes, and ignores them while a step waits for its pool);
    on either, the run is stopped and RunInterrupted raised. `on_tick` is called every second."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = execute()
        except BaseException as exc:
            outcome["error"] = exc

    runner = threading.Thread(target=target, name=f"run-{run_id[:8]}", daemon=True)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        runner.start()
        while runner.is_alive():
            runner.join(TICK_SECONDS)
            if on_tick is not None:
                on_tick()
    except KeyboardInterrupt as interrupt:
        _stop_run(instance, run_id)
        raise RunInterrupted(run_id, str(interrupt) or "SIGINT") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _stop_run(instance: Any, run_id: str) -> None:
    """End this process's children (dbt), record the run canceled and free its pool slots."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        child.terminate()
    _, alive = psutil.wait_procs(children, timeout=CHILDREN_STOP_SECONDS)
    for child in alive:
        child.kill()
    run = instance.get_run_by_id(run_id)
    if run is not None and not run.is_finished:
        instance.report_run_canceled(run, "Run canceled: its process was interrupted.")
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)
