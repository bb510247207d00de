"""The sensor that makes dbt follow bronze: it evaluates the dbt assets' automation conditions."""

import dagster as dg

from fakestore_platform.settings import Settings


def dbt_follows_bronze(settings: Settings) -> dg.AutomationConditionSensorDefinition:
    """On by default: this sensor is what makes dbt follow bronze, there is no job wiring them."""
    return dg.AutomationConditionSensorDefinition(
        "dbt_follows_bronze",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=settings.automation_interval,
        description="Evaluates the dbt assets' automation conditions and launches what they request.",
    )
