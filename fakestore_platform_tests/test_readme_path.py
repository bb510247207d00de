"""The README's path, in its order, on one warehouse, as a new user walks it: the demo, `dev
--local-api` with its sensors and automation running a while, the dagster CLI's backfill and check
commands, then the docs. Any failed run or failed check on the way fails the test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest

from fakestore_platform.instance import dagster_environment
from fakestore_platform.settings import current_settings, load_settings
from fakestore_platform.warehouse.connection import database_urls
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
from fakestore_platform_tests.dagster_cli import dagster_cli
from fakestore_platform_tests.dev_server import dev_server, free_port
from fakestore_platform_tests.test_graph_cli import readme_cli_commands

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "fakestore_platform.cli"]
# How long dev runs with its sensor and automation polling every few seconds.
DEV_SECONDS = 90

pytestmark = [pytest.mark.slow, pytest.mark.reliability]


def failed_runs_and_checks(since: datetime) -> tuple[list[str], list[str]]:
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(dg.RunsFilter(created_after=since))
        failed = [
            f"{run.job_name} {run.run_id}"
            for run in runs
            if run.status == dg.DagsterRunStatus.FAILURE
        ]
        checks = []
        for run in runs:
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records:
                evaluation = record.event_log_entry.dagster_event.event_specific_data
                if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    checks.append(
                        f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
                    )
    return failed, checks


def test_the_readme_path_holds_in_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    env |= {"FAKESTORE_HOME": str(home)}
    started = datetime.now(UTC)

    demo = subprocess.run(
        [*CLI, "demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert demo.stdout.rstrip().endswith("fakestore-platform dev --local-api")

    settings = load_settings(env)
    urls = database_urls(settings)
    with pytest.MonkeyPatch.context() as patch:
        platform = dagster_environment(settings, urls, settings.api_url)
        for name, value in platform.items():
            patch.setenv(name, value)
        current_settings.cache_clear()
        try:
            polling = {"FAKESTORE_CARTS_SENSOR_INTERVAL": "5", "FAKESTORE_AUTOMATION_INTERVAL": "5"}
            with dev_server(polling, home / "dev.log", extra_args=("--local-api",)):
                time.sleep(DEV_SECONDS)
            failed, checks = failed_runs_and_checks(started)
            assert failed == [] and checks == [], (failed, checks)

            api_port = free_port()
            with subprocess.Popen(
                [*CLI, "api", "--port", str(api_port)], env=env, stdout=subprocess.DEVNULL
            ) as api:
                patch.setenv("FAKESTORE_API_URL", f"http://127.0.0.1:{api_port}")
                for command in readme_cli_commands():
                    result = dagster_cli(*command)
                    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
                api.terminate()
            failed, checks = failed_runs_and_checks(started)
            assert failed == [] and checks == [], (failed, checks)

            docs = subprocess.run(
                [*CLI, "docs"], env=env, capture_output=True, text=True, timeout=600
            )
            assert docs.returncode == 0, docs.stderr
            port = free_port()
            with subprocess.Popen(
                [*CLI, "docs", "--serve", "--port", str(port)], env=env
            ) as served:
                deadline = time.monotonic() + 300
                while True:
                    try:
                        page = httpx.get(f"http://127.0.0.1:{port}/index.html", timeout=2)
                        break
                    except httpx.TransportError:
                        assert served.poll() is None and time.monotonic() < deadline
                        time.sleep(0.5)
                served.terminate()
            assert page.status_code == 200
        finally:
            current_settings.cache_clear()
            EmbeddedPostgres(settings.embedded_pgdata).stop()
