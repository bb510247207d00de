"""The sensor that notices new carts: it asks the API for carts newer than the newest one it has
seen (at first: from the last materialized partition) and loads their days in one run."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.defs.automation.jobs import bronze_carts_job
from fakestore_platform.defs.ingest.assets import BRONZE_CARTS
from fakestore_platform.defs.ingest.partitions import carts_range_request
from fakestore_platform.settings import Settings


def _last_materialized_day(instance: dg.DagsterInstance) -> date | None:
    keys = instance.get_materialized_partitions(BRONZE_CARTS)
    return date.fromisoformat(max(keys)) if keys else None


def _poll_start(
    cursor: datetime | None, last_day: date | None, today: date, settings: Settings
) -> date:
    """Where to ask from: the newest cart seen, else the last loaded day, else the recent days
    (older history is a backfill's job, not a sensor tick's)."""
    if cursor is not None:
        return cursor.date()
    if last_day is not None:
        return last_day
    return max(today - timedelta(days=settings.carts_lookback_days), settings.carts_start)


def new_carts_sensor(settings: Settings) -> dg.SensorDefinition:
    """`new_carts`, polling every FAKESTORE_CARTS_SENSOR_INTERVAL seconds."""

    @dg.sensor(
        name="new_carts",
        job=bronze_carts_job,
        minimum_interval_seconds=settings.carts_sensor_interval,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Polls the API for carts newer than the newest one seen and loads their days in one run.",
    )
    def new_carts(
        context: dg.SensorEvaluationContext, fakestore_api: FakeStoreApi
    ) -> dg.SensorResult | dg.SkipReason:
        cursor = datetime.fromisoformat(context.cursor) if context.cursor else None
        today = datetime.now(UTC).date()
        start = _poll_start(cursor, _last_materialized_day(context.instance), today, settings)
        with fakestore_api.open_client() as client:
            batch = client.carts(start, today + timedelta(days=1))
        dated = (datetime.fromisoformat(cart["date"]).astimezone(UTC) for cart in batch.valid)
        new = sorted(moment for moment in dated if cursor is None or moment > cursor)
        if not new:
            return dg.SkipReason(f"no carts newer than {cursor or start} at {batch.url}")
        first, last = new[0].date(), new[-1].date()
        context.log.info(f"{len(new)} new carts dated {first}..{last}")
        return dg.SensorResult(
            run_requests=[
                carts_range_request(first, last, run_key=f"carts-until-{new[-1].isoformat()}")
            ],
            cursor=new[-1].isoformat(),
        )

    return new_carts
