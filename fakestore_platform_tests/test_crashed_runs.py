"""A run that ends in any way (killed, interrupted, its database lost) frees the warehouse pool: the
next run completes on its own, with no repair by hand. On a PostgreSQL and a local API of their own,
since one test stops the server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import psutil
import pytest

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.defs.ingest.audit import ABANDONED
from fakestore_platform.instance import dagster_environment
from fakestore_platform.run_workers import HOST_TAG, logged_worker
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import DatabaseUrls, connect, database_urls
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
from fakestore_platform_tests.dagster_cli import dagster_cli
from fakestore_platform_tests.dev_server import dev_server
from fakestore_platform_tests.scratch_warehouse import failed_run_id, one_error_line

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("fakestore-platform"))
# Enough carts that the load's COPY and the dbt build take seconds, long enough to hit mid-way.
STORE = EmulatorConfig(carts=60_000, days=60, users=200, products=50)
RANGE = "2020-01-01...2020-02-29"
CARTS = ("--select", 'key:"bronze/carts"', "--partition-range", RANGE)
EVERYTHING = ("--select", "*", "--partition-range", RANGE)
OUTAGE_SECONDS = 10

pytestmark = pytest.mark.reliability


@dataclass
class Platform:
    home: Path
    urls: DatabaseUrls
    env: dict[str, str]
    server: EmbeddedPostgres

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [CLI, "materialize", *args],
            cwd=REPO,
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def materialize(self, *args: str, timeout: float = 600) -> str:
        process = self.start(*args)
        out, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, err[-3000:]
        return out

    def warehouse(self, query: str) -> list[tuple]:
        with connect(self.urls.warehouse) as conn:
            return conn.execute(query).fetchall()

    def runs(self) -> list[dg.DagsterRun]:
        with dg.DagsterInstance.get() as instance:
            return list(instance.get_runs())

    def claimed_slots(self) -> list[tuple]:
        with connect(self.urls.dagster) as conn:
            return conn.execute(
                "select run_id, step_key from concurrency_slots where run_id is not null"
            ).fetchall()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    home = tmp_path_factory.mktemp("crash-home")
    with serve_in_background(STORE) as api_url:
        settings = load_settings({"FAKESTORE_HOME": str(home), "FAKESTORE_API_URL": api_url})
        urls = database_urls(settings)
        env = dagster_environment(settings, urls, api_url)
        server = EmbeddedPostgres(settings.embedded_pgdata)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            patch.delenv("FAKESTORE_WAREHOUSE_URL", raising=False)
            try:
                yield Platform(home=home, urls=urls, env=env, server=server)
            finally:
                server.stop()


def wait_for(what: str, condition: Callable[[], object], timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)
    return value


def copying(platform: Platform) -> bool:
    return bool(
        platform.warehouse(
            "select 1 from pg_stat_activity where query ilike 'copy %' and state = 'active'"
        )
    )


def dbt_querying(platform: Platform) -> bool:
    return bool(
        platform.warehouse(
            "select 1 from pg_stat_activity where application_name like 'dbt%' and state = 'active'"
        )
    )


def dbt_child(process: subprocess.Popen[str]) -> psutil.Process | None:
    children = psutil.Process(process.pid).children(recursive=True)
    return next((c for c in children if "dbt" in " ".join(c.cmdline())), None)


def carts_served(platform: Platform) -> int:
    (count,) = platform.warehouse("select count(*) from bronze.carts")[0]
    return count


def test_a_run_killed_mid_copy_frees_the_pool_and_the_next_run_completes(platform) -> None:
    killed = platform.start(*CARTS)
    wait_for("the load's COPY", lambda: copying(platform))
    assert platform.claimed_slots()
    killed.kill()
    killed.wait(timeout=30)

    platform.materialize(*CARTS, timeout=300)

    statuses = {run.run_id: run.status for run in platform.runs()}
    assert sorted(statuses.values(), key=str) == [
        dg.DagsterRunStatus.FAILURE,
        dg.DagsterRunStatus.SUCCESS,
    ]
    assert platform.claimed_slots() == []
    assert carts_served(platform) == STORE.carts
    attempts = platform.warehouse(
        "select status, error from audit.ingestion_runs order by started_at"
    )
    assert attempts == [("failed", ABANDONED), ("succeeded", None)]


def test_sigterm_stops_materialize_with_one_line_and_the_next_run_completes(platform) -> None:
    stopped = platform.start(*EVERYTHING)
    dbt = wait_for("the dbt build", lambda: dbt_child(stopped))
    stopped.send_signal(signal.SIGTERM)
    _, err = stopped.communicate(timeout=60)

    assert stopped.returncode == 1
    lines = err.strip().splitlines()
    assert (
        lines[-1].startswith("fakestore-platform: error: run ")
        and "stopped by SIGTERM" in lines[-1]
    )
    assert "Traceback" not in err
    assert not dbt.is_running()
    assert platform.claimed_slots() == []
    assert "succeeded" in platform.materialize(*EVERYTHING)


def failure_line(process: subprocess.Popen[str], timeout: float = 300) -> tuple[str, str]:
    """The run id and the cause in the one error line of an ended `materialize`."""
    out, err = process.communicate(timeout=timeout)
    line = one_error_line(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return failed_run_id(line), line.split(" failed: ", 1)[1]


def test_postgresql_stopped_mid_dbt_and_restarted_leaves_nothing_blocked(platform) -> None:
    """The server holds Dagster's storage too: the run cannot record its own end while it is down."""
    lost = platform.start(*EVERYTHING)
    wait_for("a dbt model's query", lambda: dbt_querying(platform), timeout=300)
    platform.server.stop()
    time.sleep(OUTAGE_SECONDS)
    platform.server.start()
    _, cause = failure_line(lost)
    assert re.search(r"connection|shutting down", cause), cause
    assert "DagsterExecutionStepExecutionError" not in cause

    output = platform.materialize(*EVERYTHING)
    assert "succeeded" in output
    assert platform.claimed_slots() == []
    assert all(run.is_finished for run in platform.runs())


def test_postgresql_stopped_mid_run_ends_materialize_with_one_line_saying_so(platform) -> None:
    lost = platform.start(*EVERYTHING)
    wait_for("the load's COPY", lambda: copying(platform), timeout=300)
    platform.server.stop()
    try:
        run_id, cause = failure_line(lost)
    finally:
        platform.server.start()
    assert cause.startswith("lost the connection to PostgreSQL"), cause
    assert cause.split(": ", 1)[1].strip()  # then what the driver said

    # The next run fails the lost one, whose process is gone, and records it.
    platform.materialize("--select", 'key:"bronze/products"')
    ((error,),) = platform.warehouse(
        f"select error from audit.run_failures where run_id = '{run_id}'"
    )
    assert "died without finishing the run" in error


def test_under_dev_a_killed_run_worker_is_failed_and_its_retry_succeeds(platform) -> None:
    since = datetime.now(UTC)
    with dev_server(platform.env, platform.home / "dev.log"):
        launched = dagster_cli(
            "job",
            "launch",
            "-w",
            "workspace.yaml",
            "-j",
            "bronze_carts",
            "--tags",
            '{"dagster/asset_partition_range_start": "2020-01-01",'
            ' "dagster/asset_partition_range_end": "2020-02-29"}',
            timeout=300,
        )
        assert launched.returncode == 0, launched.stderr[-3000:]
        with dg.DagsterInstance.get() as instance:

            def started_run() -> dg.DagsterRun | None:
                # This launch's run, not the new_carts sensor's: its first tick loads the last day.
                runs = instance.get_runs(
                    dg.RunsFilter(
                        job_name="bronze_carts",
                        created_after=since,
                        tags={"dagster/asset_partition_range_start": "2020-01-01"},
                    )
                )
                return next((r for r in runs if r.status == dg.DagsterRunStatus.STARTED), None)

            run = wait_for("the daemon to start the run", started_run, timeout=180)
            assert run.tags.get(HOST_TAG)
            pid, _ = wait_for("its worker", lambda: logged_worker(instance, run.run_id))
            wait_for("the load's COPY", lambda: copying(platform))
            psutil.Process(pid).kill()

            def retried() -> dg.DagsterRun | None:
                retries = instance.get_runs(
                    dg.RunsFilter(tags={"dagster/parent_run_id": run.run_id})
                )
                return next((r for r in retries if r.is_finished), None)

            retry = wait_for("the retry run to finish", retried, timeout=300)
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
            assert retry.status == dg.DagsterRunStatus.SUCCESS
    assert carts_served(platform) == STORE.carts
