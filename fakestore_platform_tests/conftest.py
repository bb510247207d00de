"""Session fixtures: a real embedded PostgreSQL and the local Fake Store API over loopback HTTP."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.instance import dagster_environment
from fakestore_platform.settings import Settings, load_settings
from fakestore_platform.warehouse.connection import DatabaseUrls, database_urls
from fakestore_platform.warehouse.embedded import EmbeddedPostgres


@pytest.fixture(scope="session")
def fakestore_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fakestore")


@pytest.fixture(scope="session")
def local_api() -> Iterator[str]:
    """The local Fake Store API, sized like the real one, on a free loopback port."""
    with serve_in_background(EmulatorConfig()) as url:
        yield url


@pytest.fixture(scope="session")
def settings(fakestore_home: Path, local_api: str) -> Settings:
    return load_settings({"FAKESTORE_HOME": str(fakestore_home), "FAKESTORE_API_URL": local_api})


@pytest.fixture(scope="session")
def embedded_postgres(settings: Settings) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(settings.embedded_pgdata)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def databases(settings: Settings, embedded_postgres: EmbeddedPostgres) -> DatabaseUrls:
    return database_urls(settings)


@pytest.fixture(scope="session")
def platform_env(
    settings: Settings, databases: DatabaseUrls, local_api: str
) -> Iterator[dict[str, str]]:
    """This process configured like any Dagster process of the platform (definitions read it)."""
    env = dagster_environment(settings, databases, local_api)
    env["FAKESTORE_READER_PASSWORD"] = secrets.token_urlsafe(
        16
    )  # made up per session, never stored
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield env


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: FAKESTORE_UI_SCREENSHOTS (docs/img
    refreshes the README's), else a temporary folder, so `make test` leaves the images alone."""
    target = os.environ.get("FAKESTORE_UI_SCREENSHOTS")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium for a browser test module (which imports fakestore_platform_tests.chromium,
    and so skips without Playwright)."""
    from fakestore_platform_tests.chromium import chromium

    with chromium() as browser:
        yield browser
