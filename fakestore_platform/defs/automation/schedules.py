"""The daily schedules: carts of today and the days before it (late carts), and the snapshots."""

from datetime import UTC, timedelta

import dagster as dg

from fakestore_platform.defs.automation.jobs import bronze_carts_job, bronze_snapshots_job
from fakestore_platform.defs.ingest.partitions import carts_range_request
from fakestore_platform.settings import Settings


def schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    """`daily_carts` and `daily_snapshots`, at the configured times."""

    @dg.schedule(
        name="daily_carts",
        job=bronze_carts_job,
        cron_schedule=settings.carts_schedule_cron,
        execution_timezone=settings.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Reloads today's carts partition and the FAKESTORE_CARTS_LOOKBACK_DAYS before "
        "it in one run, so carts that arrive late still land in their day.",
    )
    def daily_carts(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        today = context.scheduled_execution_time.astimezone(UTC).date()  # partitions: UTC days
        first = max(today - timedelta(days=settings.carts_lookback_days), settings.carts_start)
        return carts_range_request(first, today)

    daily_snapshots = dg.ScheduleDefinition(
        name="daily_snapshots",
        job=bronze_snapshots_job,
        cron_schedule=settings.snapshots_schedule_cron,
        execution_timezone=settings.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="A snapshot of the products and the users, which keep their history in SCD2 dims.",
    )
    return [daily_carts, daily_snapshots]
