"""Launching one run of the platform's assets in this process, with its inputs checked first and its
failures reported as one line each: what `make demo` and `fakestore-platform materialize` use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fakestore_platform.errors import FakestoreError
from fakestore_platform.settings import Settings

PARTITION_RANGE_SEPARATOR = "..."


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    failures: list[str] = field(default_factory=list)
    check_evaluations: list[Any] = field(default_factory=list)


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


def _failure_message(event: Any) -> str:
    data = event.step_failure_data
    message = data.user_failure_data.description if data.user_failure_data else data.error.message
    return f"{event.step_key}: {' '.join(str(message).split())}"


def materialize(selection: str, partitions: tuple[date, date] | None) -> RunOutcome:
    """Materialize `selection` (Dagster's asset selection syntax) over `partitions` as one run.

    Definitions are imported here, after the caller configured the process's environment.
    """
    import dagster as dg

    from fakestore_platform.definitions import defs

    try:
        keys = dg.AssetSelection.from_string(selection).resolve(defs.resolve_asset_graph())
    except dg.DagsterError as exc:
        raise FakestoreError(f"invalid asset selection {selection!r}: {exc}") from None
    if not keys:
        raise FakestoreError(f"asset selection {selection!r} selects no asset")
    graph = defs.resolve_asset_graph()
    partitioned = sorted(
        k.to_user_string() for k in keys if graph.get(k).partitions_def is not None
    )
    if partitioned and not partitions:
        raise FakestoreError(
            f"{', '.join(partitioned)} {'is' if len(partitioned) == 1 else 'are'} partitioned by day:"
            " give a partition or a partition range"
        )
    tags = {}
    if partitions:
        first, last = partitions
        tags = {
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        }
    job = defs.resolve_job_def("materialize_everything")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            asset_selection=list(keys),
            tags=tags,
            # Dagster's per-event console log would bury the outcome; failures are returned below.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        )
    return RunOutcome(
        run_id=result.run_id,
        success=result.success,
        failures=[_failure_message(event) for event in result.all_events if event.is_step_failure],
        check_evaluations=list(result.get_asset_check_evaluations()),
    )
