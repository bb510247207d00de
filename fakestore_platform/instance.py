"""Dagster's instance for the platform's own commands: DAGSTER_HOME under FAKESTORE_HOME, with the
repository's dagster.yaml, whose storage URL comes from the environment like in docker-compose."""

from __future__ import annotations

import shutil
from pathlib import Path

from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.connection import DatabaseUrls

DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"
# Dagster's own switch (docker-compose.yml sets it too); the cost: a failed single-run backfill
# leaves its partitions unmarked rather than marked failed in the UI.
PLANNED_EVENTS_AS_SUBSETS = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def storage_url(database_url: str) -> str:
    """dagster-postgres speaks psycopg2, while SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3."""
    return "postgresql+psycopg2://" + database_url.split("://", 1)[1]


def dagster_environment(settings: Settings, urls: DatabaseUrls, api_url: str) -> dict[str, str]:
    """The variables a Dagster process (webserver, daemon, CLI, run worker) needs for this platform."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DAGSTER_YAML, settings.dagster_home / "dagster.yaml")
    return {
        "DAGSTER_HOME": str(settings.dagster_home),
        "FAKESTORE_DAGSTER_STORAGE_URL": storage_url(urls.dagster),
        "FAKESTORE_HOME": str(settings.home),
        "FAKESTORE_API_URL": api_url,
        # A partition-range run otherwise logs a planned event per asset *and* partition, the
        # unpartitioned assets included: 8,000 inserts before a year's backfill starts.
        PLANNED_EVENTS_AS_SUBSETS: "1",
        **(
            {"FAKESTORE_WAREHOUSE_URL": settings.warehouse_url.get_secret_value()}
            if settings.warehouse_url
            else {}
        ),
    }
