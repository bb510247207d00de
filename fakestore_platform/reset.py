"""`fakestore-platform reset`: start over. The embedded warehouse and Dagster instance live under
FAKESTORE_HOME; stopping the server and deleting that folder returns both to empty."""

from __future__ import annotations

import shutil
import sys

from fakestore_platform.errors import FakestoreError
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.embedded import EmbeddedPostgres


def reset_embedded(settings: Settings, *, confirmed: bool) -> None:
    """Stop the embedded server and delete FAKESTORE_HOME, after asking unless `confirmed`."""
    if settings.warehouse_url:
        raise FakestoreError(
            "reset empties only the embedded warehouse; FAKESTORE_WAREHOUSE_URL names another"
            " server: drop its schemas there yourself, or unset it"
        )
    home = settings.home
    if not home.exists():
        print(f"nothing to reset: {home} does not exist")
        return
    if not confirmed:
        if not sys.stdin.isatty():
            raise FakestoreError(f"reset deletes {home}: run it with --yes to confirm")
        answer = input(f"Delete the warehouse, run history and logs in {home}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise FakestoreError("reset cancelled: nothing was deleted")
    EmbeddedPostgres(settings.embedded_pgdata).stop()
    shutil.rmtree(home)
    print(f"deleted {home}: the next command starts from an empty warehouse")
