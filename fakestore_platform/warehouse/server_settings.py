"""The server settings of an analytics warehouse, where PostgreSQL's defaults are sized for small
transactions: the embedded server sets them on itself, docker-compose passes them to its server."""

from __future__ import annotations

import psycopg
from psycopg import sql

SERVER_SETTINGS: dict[str, str] = {
    # A build's sorts and hashes (window functions over every cart, unique tests over 3M lines)
    # spill to disk at the 4 MB default.
    "work_mem": "64MB",
    # The index builds of a fact's first build.
    "maintenance_work_mem": "512MB",
    # A year's backfill writes gigabytes of WAL: at the 1 GB default it checkpoints every few seconds.
    "max_wal_size": "4GB",
}


def apply_server_settings(conn: psycopg.Connection) -> None:
    """Set them server-wide (they persist in postgresql.auto.conf) and reload: new sessions use them.
    Needs a superuser on an autocommit connection; all of them apply without a restart."""
    for name, value in SERVER_SETTINGS.items():
        conn.execute(
            sql.SQL("alter system set {} = {}").format(sql.Identifier(name), sql.Literal(value))
        )
    conn.execute("select pg_reload_conf()")


def postgres_command() -> list[str]:
    """The postgres server command with the settings, as docker-compose runs it."""
    return [
        "postgres",
        *(arg for name, value in SERVER_SETTINGS.items() for arg in ("-c", f"{name}={value}")),
    ]
