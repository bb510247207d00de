"""dbt docs for the warehouse: generated offline against the live schemas, served locally."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from fakestore_platform.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from fakestore_platform.errors import FakestoreError
from fakestore_platform.settings import Settings
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


@contextmanager
def docs_server(target: Path, port: int) -> Iterator[ThreadingHTTPServer]:
    """The generated site (index.html reads manifest.json and catalog.json beside it) over HTTP on
    loopback: static files, so no dbt process and no warehouse connection are needed to serve it."""
    handler = partial(_QuietHandler, directory=str(target))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise FakestoreError(
            f"cannot serve the docs on port {port} ({exc.strerror}): choose another with --port"
        ) from None
    with server:
        yield server


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
