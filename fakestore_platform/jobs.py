"""Jobs: the whole graph in one run, which `make demo` launches and the UI offers."""

import dagster as dg

from fakestore_platform.bronze.partitions import carts_partitions

all_assets_job = dg.define_asset_job(
    "materialize_everything",
    selection=dg.AssetSelection.all(),
    partitions_def=carts_partitions,
    description="Bronze, then every dbt model and test, then the checks; a carts partition range is one run.",
)
