"""Dagster's instance for the platform: DAGSTER_HOME under FAKESTORE_HOME with the repository's
dagster.yaml, its storage on the platform's PostgreSQL, and the project's `.env` pointing `dg` and
the dagster CLI at it, so they work in a new shell with nothing exported."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from dagster import EventLogEntry
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationPlanned,
)
from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage, PostgresEventLogStorage
from dagster_postgres.utils import create_pg_engine
from dagster_shared.record import replace

from fakestore_platform.settings import Settings, load_settings
from fakestore_platform.warehouse.connection import DatabaseUrls, database_urls

DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"
# Dagster's own switch (docker-compose.yml sets it too); the cost: a failed single-run backfill
# leaves its partitions unmarked rather than marked failed in the UI.
PLANNED_EVENTS_AS_SUBSETS = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
# Dagster's switch for storing a range run's per-partition materializations in one write, not one
# each: about 2.5 ms a partition (the event writes of a 731-partition backfill's carts step of a
# small store, 2.8 s to 1.0 s).
EVENT_BATCH_SIZE = "DAGSTER_EVENT_BATCH_SIZE"
# The events a batch holds at most: over five years of daily partitions in one write.
EVENTS_PER_BATCH = "2000"
# The switches every Dagster process of the platform runs with.
DAGSTER_SWITCHES = {PLANNED_EVENTS_AS_SUBSETS: "1", EVENT_BATCH_SIZE: EVENTS_PER_BATCH}


STORAGE_URL_VARIABLE = "FAKESTORE_DAGSTER_STORAGE_URL"
# What the project's .env holds for Dagster's processes: where the instance is. No secret.
PROJECT_ENV = ("DAGSTER_HOME", "FAKESTORE_HOME", *DAGSTER_SWITCHES)


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
        # Without the switches a partition-range run logs a planned event per asset *and*
        # partition, the unpartitioned assets included (8,000 inserts before a year's backfill
        # starts), and stores each partition's materialization in a write of its own.
        **DAGSTER_SWITCHES,
        **(
            {"FAKESTORE_WAREHOUSE_URL": settings.warehouse_url.get_secret_value()}
            if settings.warehouse_url
            else {}
        ),
    }


# What the webserver's pool allows past its one kept connection (dagster-webserver's default).
POOL_MAX_OVERFLOW = 20
POOL_RECYCLE_SECONDS = 3600


class PlatformEventLogStorage(PostgresEventLogStorage):
    """dagster-postgres's event log, remembering which of its tables exist: it asks the server
    whether asset_event_tags exists on every materialization it stores (a catalog query on a
    second connection, a third of a 731-partition backfill's event-log time), and a table Dagster
    created stays.

    And one planned row per check and run: Dagster gives a range run's planned check the run's
    partitions (every check's, even one on an unpartitioned asset) and stores a row per partition,
    while the platform's checks evaluate the whole range at once, in one unpartitioned evaluation.
    A year's run stored 40,150 rows before its first step (75 ms a check, 8 s of 110 checks) that
    stayed `PLANNED` for good beside each check's one evaluated row. This holds while no check has
    partitions of its own (a preview in Dagster 1.13, evaluated a partition at a time; the graph's
    tests hold that none has).
    """

    def __init__(self, postgres_url: str) -> None:
        self._existing_tables: set[str] = set()
        super().__init__(postgres_url)

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._existing_tables and super().has_table(table_name):
            self._existing_tables.add(table_name)
        return table_name in self._existing_tables

    def store_asset_check_event(self, event: EventLogEntry, event_id: int | None) -> None:
        dagster_event = event.dagster_event
        planned = dagster_event.event_specific_data if dagster_event else None
        if isinstance(planned, AssetCheckEvaluationPlanned) and planned.partitions_subset:
            whole_run = replace(planned, partitions_subset=None)
            event = event._replace(
                dagster_event=dagster_event._replace(event_specific_data=whole_run)
            )
        super().store_asset_check_event(event, event_id)


class PlatformStorage(DagsterPostgresStorage):
    """Dagster's run, event log and schedule storage (dagster-postgres) on the platform's server.

    FAKESTORE_DAGSTER_STORAGE_URL when set (docker-compose and Kubernetes set it); otherwise the
    `dagster` database beside the warehouse the settings name: the embedded server, started if it
    is not running, or FAKESTORE_WAREHOUSE_URL's server. So any Dagster process (`dg`, the dagster
    CLI, a run worker) finds the instance from the settings alone.

    Each storage keeps a connection open, as dagster-postgres does in the webserver only: outside
    it every query opens its own (NullPool), and a run stores several per event, so a 365-partition
    load spent 7 s of its 24 s connecting (2,382 connections). Pre-pinged, so a connection the
    server dropped (a restart mid-run) is replaced, not failed on.
    """

    def __init__(self, postgres_url: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(postgres_url=postgres_url, inst_data=inst_data)
        self._event_log_storage = PlatformEventLogStorage(postgres_url)
        for storage in (self._run_storage, self._event_log_storage, self._schedule_storage):
            storage._engine = create_pg_engine(  # what optimize_for_webserver replaces too
                postgres_url,
                None,
                isolation_level="AUTOCOMMIT",
                pool_size=1,
                max_overflow=POOL_MAX_OVERFLOW,
                pool_recycle=POOL_RECYCLE_SECONDS,
                pool_pre_ping=True,
            )

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> PlatformStorage:
        url = os.environ.get(STORAGE_URL_VARIABLE) or storage_url(
            database_urls(load_settings()).dagster
        )
        return cls(postgres_url=url, inst_data=inst_data)


def write_project_env(settings: Settings, project_dir: Path) -> Path | None:
    """Point `dg` and the dagster CLI run in `project_dir` at this instance through its `.env`
    (which Dagster loads from the working directory), keeping every other line of it.

    Only in the project's own folder (its pyproject.toml configures dg) and for a FAKESTORE_HOME
    inside it (the default `.fakestore`): a home elsewhere is a deliberate other instance, which
    must not take over the project's. Returns the file written, or None.
    """
    from dotenv import set_key

    pyproject = project_dir / "pyproject.toml"
    if not pyproject.is_file() or "[tool.dg]" not in pyproject.read_text():
        return None
    if not settings.home.resolve().is_relative_to(project_dir.resolve()):
        return None
    values = {
        "DAGSTER_HOME": str(settings.dagster_home),
        "FAKESTORE_HOME": str(settings.home),
        **DAGSTER_SWITCHES,
    }
    env_file = project_dir / ".env"
    env_file.touch(mode=0o600)
    for name in PROJECT_ENV:
        set_key(env_file, name, values[name])
    return env_file
