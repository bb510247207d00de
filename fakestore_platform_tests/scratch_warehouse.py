"""A test's own warehouse on the session's PostgreSQL, and `fakestore-platform` run against it in a
subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from psycopg import sql

from fakestore_platform.warehouse.catalog import AUDIT, LAYERS
from fakestore_platform.warehouse.connection import (
    DatabaseUrls,
    connect,
    ensure_database,
    with_database,
)

REPO = Path(__file__).resolve().parents[1]
ERROR_PREFIX = "fakestore-platform: error:"


def fresh_database(databases: DatabaseUrls, name: str) -> str:
    """The URL of database `name`, emptied of every schema the platform writes."""
    url = with_database(databases.warehouse, name)
    ensure_database(url)
    with connect(url, autocommit=True) as conn:
        for schema in (*LAYERS, AUDIT):
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
    return url


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`fakestore-platform <args>` with the session's FAKESTORE_HOME and, of the platform's
    variables, only those in `env`."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))
    }
    environment |= {"FAKESTORE_HOME": os.environ["FAKESTORE_HOME"], **env}
    return subprocess.run(
        [sys.executable, "-m", "fakestore_platform.cli", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )


def materialize(url: str, api_url: str, *args: str) -> str:
    """`fakestore-platform materialize <args>` against this warehouse and API; its output."""
    result = cli(
        "materialize", *args, env={"FAKESTORE_WAREHOUSE_URL": url, "FAKESTORE_API_URL": api_url}
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with exactly one error line and no traceback; return that line."""
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith(ERROR_PREFIX)]
    assert len(errors) == 1, result.stderr[-3000:]
    return errors[0]


def failed_run_id(line: str) -> str:
    """The run id in a `fakestore-platform: error: run <id> failed: ...` line."""
    return line.split(" run ", 1)[1].split()[0]
