"""The carts' daily partitions: partition D holds the carts dated on UTC day D."""

import dagster as dg

from fakestore_platform.settings import current_settings

# end_offset=1: today's partition exists already, so today's carts load as they arrive.
carts_partitions = dg.DailyPartitionsDefinition(
    start_date=current_settings().carts_start.isoformat(), timezone="UTC", end_offset=1
)
