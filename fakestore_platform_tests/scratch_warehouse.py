"""A test's own warehouse on the session's PostgreSQL, and `fakestore-platform materialize` run
against it in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fakestore_platform.warehouse.connection import (
    DatabaseUrls,
    connect,
    ensure_database,
    with_database,
)

REPO = Path(__file__).resolve().parents[1]


def fresh_database(databases: DatabaseUrls, name: str) -> str:
    """The URL of database `name`, emptied of every schema the platform writes."""
    url = with_database(databases.warehouse, name)
    ensure_database(url)
    with connect(url, autocommit=True) as conn:
        for schema in ("bronze", "staging", "core", "marts", "audit"):
            conn.execute(f"drop schema if exists {schema} cascade")
    return url


def materialize(url: str, api_url: str, *args: str) -> str:
    """`fakestore-platform materialize <args>` against this warehouse and API; its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    env |= {
        "FAKESTORE_HOME": os.environ["FAKESTORE_HOME"],
        "FAKESTORE_WAREHOUSE_URL": url,
        "FAKESTORE_API_URL": api_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "fakestore_platform.cli", "materialize", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout
