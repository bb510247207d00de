"""`fakestore-platform dev`: the Dagster webserver and daemon on the platform's own instance."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fakestore_platform.api.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.instance import dagster_environment
from fakestore_platform.redaction import redact_url
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.connection import database_urls

WORKSPACE = Path(__file__).resolve().parents[1] / "workspace.yaml"


def recent_store(today: date | None = None) -> EmulatorConfig:
    """The local API's default store, its two months of carts ending today, so the schedules and
    the new-carts sensor, which look at recent days, find carts to load."""
    today = today or datetime.now(UTC).date()
    days = EmulatorConfig.days
    return EmulatorConfig(start=today - timedelta(days=days - 1), days=days)


def run_dev(settings: Settings, host: str, port: int, local_api: bool) -> int:
    """Run `dagster dev` (webserver + daemon: schedules, sensors, automation) until interrupted."""
    urls = database_urls(settings)
    with ExitStack() as stack:
        api_url = (
            stack.enter_context(serve_in_background(recent_store()))
            if local_api
            else settings.api_url
        )
        env = {**os.environ, **dagster_environment(settings, urls, api_url)}
        print(
            f"Dagster UI on http://{host}:{port} (Fake Store API: {redact_url(api_url)}; Ctrl-C stops it)",
            flush=True,
        )
        dagster = str(Path(sys.executable).with_name("dagster"))
        command = [dagster, "dev", "-w", str(WORKSPACE), "--host", host, "--port", str(port)]
        process = subprocess.Popen(command, env=env, cwd=WORKSPACE.parent)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            return process.wait()
