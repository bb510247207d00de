"""dbt docs for the warehouse: generated offline against the live schemas, served locally."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fakestore_platform.errors import FakestoreError
from fakestore_platform.settings import Settings
from fakestore_platform.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from fakestore_platform.warehouse.connection import database_urls
from fakestore_platform.warehouse.resource import Warehouse


def generate_docs(settings: Settings) -> Path:
    """Run `dbt docs generate` (catalog from the warehouse) into FAKESTORE_HOME/dbt-docs."""
    urls = database_urls(settings)
    target = settings.home / "dbt-docs"
    env = {**os.environ, **Warehouse(url=urls.warehouse, home=str(settings.home)).dbt_env()}
    result = subprocess.run(
        [DBT_EXECUTABLE, "docs", "generate", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        errors = [line for line in result.stdout.splitlines() if "error" in line.lower()] or [
            result.stdout[-500:]
        ]
        raise FakestoreError("dbt docs generate failed: " + " ".join(" ".join(errors).split()))
    return target


def serve_docs(target: Path, port: int) -> None:
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "docs",
            "serve",
            "--target-path",
            str(target),
            "--port",
            str(port),
            "--no-browser",
        ],
        cwd=DBT_PROJECT_DIR,
        check=False,
    )
