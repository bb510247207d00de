"""The schedules and the new-carts sensor, evaluated with Dagster's testing tools against a real
instance and the local API over HTTP."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from fakestore_devtools.emulator import EmulatorConfig, serve_growing
from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.defs.automation.new_carts import new_carts_sensor
from fakestore_platform.defs.automation.schedules import schedules
from fakestore_platform.defs.ingest.assets import BRONZE_CARTS
from fakestore_platform.settings import load_settings

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
# The defaults: what the schedules and the sensor are built from unless configured otherwise.
SETTINGS = load_settings({})
daily_carts, daily_snapshots = schedules(SETTINGS)
new_carts = new_carts_sensor(SETTINGS)


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def test_daily_carts_loads_today_and_the_lookback_days_in_one_run(instance) -> None:
    lookback = SETTINGS.carts_lookback_days
    # 00:30 in Berlin is still the day before in UTC: partitions are UTC days.
    scheduled = datetime(2026, 11, 24, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=scheduled)
    (request,) = daily_carts.evaluate_tick(context).run_requests
    today = date(2026, 11, 23)
    assert request.tags[RANGE_START] == (today - timedelta(days=lookback)).isoformat()
    assert request.tags[RANGE_END] == today.isoformat()
    assert daily_carts.job_name == "bronze_carts"
    assert daily_carts.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_schedules_take_cron_and_timezone_from_settings() -> None:
    settings = load_settings(
        {
            "FAKESTORE_CARTS_SCHEDULE_CRON": "15 7 * * *",
            "FAKESTORE_SCHEDULE_TIMEZONE": "Europe/Berlin",
        }
    )
    carts, snapshots = schedules(settings)
    assert carts.cron_schedule == "15 7 * * *" and carts.execution_timezone == "Europe/Berlin"
    assert snapshots.execution_timezone == "Europe/Berlin"
    assert daily_snapshots.cron_schedule == SETTINGS.snapshots_schedule_cron
    assert daily_carts.execution_timezone == daily_snapshots.execution_timezone == "UTC"
    assert daily_snapshots.job_name == "bronze_snapshots"


def _tick(
    instance: dg.DagsterInstance, api_url: str, cursor: str | None
) -> tuple[list[dg.RunRequest], str | None, str | None]:
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"fakestore_api": FakeStoreApi.from_settings(SETTINGS, base_url=api_url)},
    )
    data = new_carts.evaluate_tick(context)
    return list(data.run_requests or []), data.cursor, data.skip_message


def test_new_carts_requests_the_days_of_carts_it_has_not_seen_and_keeps_a_cursor(
    instance,
) -> None:
    today = datetime.now(UTC).date()
    midnight = datetime.combine(today, time(), tzinfo=UTC)
    store = EmulatorConfig(carts=1600, start=today - timedelta(days=7), days=8)
    lookback = SETTINGS.carts_lookback_days
    with serve_growing(replace(store, until=midnight)) as api:  # carts up to yesterday
        # No cursor and nothing loaded: the recent days only (history is a backfill's job).
        (request,), cursor, _ = _tick(instance, api.url, None)
        assert request.tags[RANGE_START] == (today - timedelta(days=lookback)).isoformat()
        assert request.tags[RANGE_END] == (today - timedelta(days=1)).isoformat()
        assert datetime.fromisoformat(cursor).date() == today - timedelta(days=1)

        # Nothing new since: a skip that says why, the cursor unchanged.
        requests, same_cursor, skip = _tick(instance, api.url, cursor)
        assert requests == [] and same_cursor == cursor and "no carts newer than" in skip

        # The store gains a day: that day, and only that day, is requested.
        api.serve(store)
        (request,), newer, _ = _tick(instance, api.url, cursor)
        assert request.tags[RANGE_START] == request.tags[RANGE_END] == today.isoformat()
        assert newer > cursor and request.run_key.endswith(newer)


def test_without_a_cursor_new_carts_starts_at_the_last_materialized_partition(instance) -> None:
    today = datetime.now(UTC).date()
    five_days_ago = today - timedelta(days=5)
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=BRONZE_CARTS, partition=five_days_ago.isoformat())
    )
    week = EmulatorConfig(carts=1400, start=today - timedelta(days=7), days=7)
    with serve_growing(week) as api:
        (request,), _, _ = _tick(instance, api.url, None)
    assert request.tags[RANGE_START] == five_days_ago.isoformat()
    assert request.tags[RANGE_END] == (today - timedelta(days=1)).isoformat()
