"""Jobs: what schedules, sensors and `dagster job` commands launch by name.

Only bronze is targeted by schedules and sensors; the dbt assets follow by their automation
conditions, so no job wires bronze to dbt.
"""

import dagster as dg

from fakestore_platform.defs.ingest.assets import (
    BRONZE_ASSETS,
    BRONZE_CARTS,
    BRONZE_PRODUCTS,
    BRONZE_USERS,
    LOADED_CHECK,
)
from fakestore_platform.defs.ingest.drift import CHECK_NAME as DRIFT_CHECK

all_assets_job = dg.define_asset_job(
    "materialize_everything",
    selection=dg.AssetSelection.all(),
    description="Bronze, then every dbt model and test, then the checks; a carts partition range is one run.",
)

bronze_carts_job = dg.define_asset_job(
    "bronze_carts",
    selection=dg.AssetSelection.assets(BRONZE_CARTS),
    description="The carts of some days from the API into bronze; the dbt assets follow on their own.",
)

bronze_snapshots_job = dg.define_asset_job(
    "bronze_snapshots",
    selection=dg.AssetSelection.assets(BRONZE_PRODUCTS, BRONZE_USERS),
    description="A snapshot of the products and the users; the dbt assets follow on their own.",
)

# Two bronze checks are part of the load itself (one compares what the run fetched with what it
# wrote, the other counts the new fields of what it wrote), so they cannot run alone; every other
# check, dbt tests included, can.
_LOAD_CHECKS = dg.AssetSelection.checks(
    *(dg.AssetCheckKey(key, name) for key in BRONZE_ASSETS for name in (LOADED_CHECK, DRIFT_CHECK))
)

asset_checks_job = dg.define_asset_job(
    "asset_checks",
    selection=dg.AssetSelection.all_asset_checks() - _LOAD_CHECKS,
    description="Every asset check against the warehouse as it is, materializing nothing.",
)
