"""The warehouse as a Dagster resource: resolved at run time, so loading definitions starts nothing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.connection import (
    WAREHOUSE_DATABASE,
    connect,
    ensure_database,
    with_database,
)
from fakestore_platform.warehouse.embedded import EmbeddedPostgres

# The concurrency pool of every step that writes the warehouse; dagster.yaml sets its limit.
WAREHOUSE_POOL = "warehouse"


class Warehouse(ConfigurableResource):
    """The warehouse database: the configured URL, or the embedded server under `home`."""

    url: str | None = Field(
        default=None, description="postgresql:// URL; unset means the embedded server."
    )
    home: str = Field(description="FAKESTORE_HOME: where the embedded server keeps its data.")

    reader_password: str | None = Field(
        default=None,
        description="Password of the fakestore_reader role (FAKESTORE_READER_PASSWORD).",
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        # Secrets go in as EnvVar: the UI shows the variable's name, never its value.
        return cls(
            url=EnvVar("FAKESTORE_WAREHOUSE_URL") if settings.warehouse_url else None,
            home=str(settings.home),
            reader_password=EnvVar("FAKESTORE_READER_PASSWORD")
            if settings.reader_password
            else None,
        )

    def resolve_url(self) -> str:
        if self.url:
            return self.url
        server_url = EmbeddedPostgres(Path(self.home) / "postgres").start()
        url = with_database(server_url, WAREHOUSE_DATABASE)
        ensure_database(url)
        return url

    def connect(self) -> psycopg.Connection:
        return connect(self.resolve_url())

    def dbt_env(self) -> dict[str, str]:
        """The FAKESTORE_PG_* variables dbt's profiles.yml reads: dbt takes no connection URL."""
        parts = urlsplit(self.resolve_url())
        query = parse_qs(parts.query)
        return {
            "FAKESTORE_PG_HOST": query.get("host", [parts.hostname or "localhost"])[0],
            "FAKESTORE_PG_PORT": str(parts.port or query.get("port", ["5432"])[0]),
            "FAKESTORE_PG_USER": unquote(parts.username or ""),
            "FAKESTORE_PG_PASSWORD": unquote(parts.password or ""),
            "FAKESTORE_PG_DATABASE": parts.path.strip("/"),
        }
