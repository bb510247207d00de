"""Automation's definitions: the jobs, the schedules and sensors that launch them, the failure
sensor and its webhook, built from the settings."""

import dagster as dg

from fakestore_platform.defs.automation.dbt_follows_bronze import dbt_follows_bronze
from fakestore_platform.defs.automation.jobs import (
    all_assets_job,
    asset_checks_job,
    bronze_carts_job,
    bronze_snapshots_job,
)
from fakestore_platform.defs.automation.new_carts import new_carts_sensor
from fakestore_platform.defs.automation.run_failures import FailureWebhook, record_run_failures
from fakestore_platform.defs.automation.schedules import schedules
from fakestore_platform.settings import Settings


def automation_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        jobs=[all_assets_job, bronze_carts_job, bronze_snapshots_job, asset_checks_job],
        schedules=schedules(settings),
        sensors=[new_carts_sensor(settings), dbt_follows_bronze(settings), record_run_failures],
        resources={"failure_webhook": FailureWebhook.from_settings(settings)},
    )
