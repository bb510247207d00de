"""The carts' daily partitions: partition D holds the carts dated on UTC day D."""

from datetime import date

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)


def carts_partitions(start: date) -> dg.DailyPartitionsDefinition:
    """A partition per UTC day from `start` (FAKESTORE_CARTS_START); end_offset=1: today's
    partition exists already, so today's carts load as they arrive."""
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), timezone="UTC", end_offset=1)


def carts_range_request(first: date, last: date, run_key: str | None = None) -> dg.RunRequest:
    """One run for the carts of days first..last: the assets' single-run backfill policy allows it."""
    return dg.RunRequest(
        run_key=run_key,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: first.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: last.isoformat(),
        },
    )
