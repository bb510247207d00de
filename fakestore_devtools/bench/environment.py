"""What a benchmark runs against: a fresh embedded warehouse and the local API in a child process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx

from fakestore_platform.errors import FakestoreError
from fakestore_platform.instance import dagster_environment
from fakestore_platform.settings import Settings, load_settings
from fakestore_platform.warehouse.connection import DatabaseUrls, database_urls
from fakestore_platform.warehouse.embedded import EmbeddedPostgres

API_START_SECONDS = 60.0


@dataclass(frozen=True)
class StoreSize:
    """The local API's store: `carts` over `days` days from `start`, shoppers and catalogue scaled."""

    carts: int
    days: int = 365
    start: date = date(2020, 1, 1)

    @property
    def users(self) -> int:
        return max(10, self.carts // 100)

    @property
    def products(self) -> int:
        return max(20, min(1000, self.carts // 1000))

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=self.days - 1)


@dataclass(frozen=True)
class BenchEnvironment:
    settings: Settings
    urls: DatabaseUrls
    api_url: str
    size: StoreSize
    env: dict[str, str]  # what a child Dagster process of the platform needs


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@contextmanager
def local_api(size: StoreSize) -> Iterator[str]:
    """The local API in its own process, so serving and loading use both cores as in production."""
    port = _free_port()
    command = [sys.executable, "-m", "fakestore_platform.cli", "api", "--port", str(port)]
    command += ["--carts", str(size.carts), "--days", str(size.days)]
    command += ["--users", str(size.users), "--products", str(size.products)]
    command += ["--start", size.start.isoformat()]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + API_START_SECONDS
        while True:
            try:
                httpx.get(f"{url}/products/categories", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise FakestoreError(
                        f"the local API did not start: {server.stderr.read().decode()[-500:]}"
                    ) from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def bench_environment(home: Path, size: StoreSize) -> Iterator[BenchEnvironment]:
    """A warehouse of its own under `home`, the local API of `size`, and this process configured
    like the platform's Dagster processes; the server is stopped at the end."""
    with local_api(size) as api_url:
        settings = load_settings({"FAKESTORE_HOME": str(home), "FAKESTORE_API_URL": api_url})
        server = EmbeddedPostgres(settings.embedded_pgdata)
        try:
            urls = database_urls(settings)
            env = dagster_environment(settings, urls, api_url)
            os.environ.update(env)
            yield BenchEnvironment(settings, urls, api_url, size, {**os.environ, **env})
        finally:
            server.stop()
