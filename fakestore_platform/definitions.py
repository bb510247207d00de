"""The Dagster code location: assembles the areas' definitions, nothing else."""

import dagster as dg

from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.defs.automation.dbt_follows_bronze import dbt_follows_bronze
from fakestore_platform.defs.automation.jobs import (
    all_assets_job,
    asset_checks_job,
    bronze_carts_job,
    bronze_snapshots_job,
)
from fakestore_platform.defs.automation.new_carts import new_carts
from fakestore_platform.defs.automation.run_failures import FailureWebhook, record_run_failures
from fakestore_platform.defs.automation.schedules import daily_carts, daily_snapshots
from fakestore_platform.defs.ingest.assets import bronze_carts, bronze_products, bronze_users
from fakestore_platform.defs.ingest.checks import bronze_checks
from fakestore_platform.defs.quality.reconciliation import reconciliation_checks
from fakestore_platform.defs.transform.assets import (
    fakestore_dbt_models,
    fakestore_dbt_partitioned_facts,
)
from fakestore_platform.defs.transform.project import DBT_EXECUTABLE, dbt_project
from fakestore_platform.defs.transform.resource import FakestoreDbtCli
from fakestore_platform.settings import current_settings
from fakestore_platform.warehouse.resource import Warehouse

settings = current_settings()

defs = dg.Definitions(
    assets=[
        bronze_products,
        bronze_users,
        bronze_carts,
        fakestore_dbt_models,
        fakestore_dbt_partitioned_facts,
    ],
    asset_checks=[*bronze_checks, *reconciliation_checks],
    # Steps run one after another in the run's own process: the work happens in PostgreSQL and dbt,
    # and on two cores a process (and a definitions load) per step cost more than it overlapped.
    executor=dg.in_process_executor,
    jobs=[all_assets_job, bronze_carts_job, bronze_snapshots_job, asset_checks_job],
    schedules=[daily_carts, daily_snapshots],
    sensors=[new_carts, dbt_follows_bronze, record_run_failures],
    resources={
        "fakestore_api": FakeStoreApi.from_settings(settings),
        "warehouse": Warehouse.from_settings(settings),
        "dbt": FakestoreDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        "failure_webhook": FailureWebhook.from_settings(settings),
    },
)
