"""`fakestore-platform dev` end to end, on a PostgreSQL and a local API of its own: the store gains
a day of carts, the sensor loads that day, and the dbt assets follow by automation alone; a job
backfill from the CLI queues runs the daemon then runs."""

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import dagster as dg
import httpx
import pytest

from fakestore_devtools.emulator import EmulatorConfig, GrowingServer, serve_growing
from fakestore_platform.instance import dagster_environment
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import DatabaseUrls, connect, database_urls
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
from fakestore_platform_tests.dagster_cli import dagster_cli
from fakestore_platform_tests.dev_server import dev_server

BRONZE_CARTS = dg.AssetKey(["bronze", "carts"])
FACT_CARTS = dg.AssetKey(["core", "fact_carts"])
DAILY_REVENUE = dg.AssetKey(["marts", "mart_daily_revenue"])
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
TODAY = datetime.now(UTC).date()
# Runs queue behind each other on two cores: a daemon tick, a run worker, a dbt build each.
FOLLOW_TIMEOUT = 480

pytestmark = pytest.mark.slow


@dataclass
class Stack:
    api: GrowingServer
    urls: DatabaseUrls
    first_day: date

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.get()


def _store(until: datetime | None) -> EmulatorConfig:
    """A week of carts ending today; with `until` set to today's midnight, today's are to come."""
    return EmulatorConfig(carts=420, start=TODAY - timedelta(days=6), days=7, until=until)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("dev-home")
    first_day = TODAY - timedelta(days=6)
    with serve_growing(_store(until=datetime.combine(TODAY, clock_time(), tzinfo=UTC))) as api:
        settings = load_settings({"FAKESTORE_HOME": str(home), "FAKESTORE_API_URL": api.url})
        urls = database_urls(settings)  # an embedded server of its own, which dev reuses
        env = dagster_environment(settings, urls, api.url) | {
            "FAKESTORE_READER_PASSWORD": secrets.token_urlsafe(16),
            "FAKESTORE_CARTS_SENSOR_INTERVAL": "5",
            "FAKESTORE_AUTOMATION_INTERVAL": "5",
        }
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            try:
                with dev_server(env, home / "dev.log"):
                    yield Stack(api=api, urls=urls, first_day=first_day)
            finally:
                EmbeddedPostgres(settings.embedded_pgdata).stop()


def _wait_for(what: str, condition: Callable[[], bool], timeout: float = FOLLOW_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(2)


def _materialized_since(
    instance: dg.DagsterInstance, key: dg.AssetKey, since: float, partition: str | None = None
) -> bool:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=key,
            asset_partitions=[partition] if partition else None,
            after_timestamp=since,
        ),
        limit=1,
    ).records
    return bool(records)


def _launch(*args: str) -> str:
    result = dagster_cli(*args, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout + result.stderr


def test_a_new_day_of_carts_is_loaded_by_the_sensor_and_dbt_follows_on_its_own(stack) -> None:
    instance = stack.instance()
    started = time.time()
    # The snapshots' schedule fires at 05:00; launch its job now, as a user would from the CLI.
    _launch("job", "launch", "-w", "workspace.yaml", "-j", "bronze_snapshots")
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    _wait_for(
        "the sensor's first load and the facts of yesterday",
        lambda: _materialized_since(instance, FACT_CARTS, started, yesterday),
    )
    _wait_for("the marts", lambda: _materialized_since(instance, DAILY_REVENUE, started))

    gained, today = time.time(), TODAY.isoformat()
    stack.api.serve(_store(until=None))  # the store gains today's carts

    def sensor_run_for_today() -> dg.DagsterRun | None:
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": "new_carts"}))
        return next(
            (run for run in runs if run.tags[RANGE_START] == run.tags[RANGE_END] == today), None
        )

    _wait_for(
        "the sensor's run for today to finish",
        lambda: (run := sensor_run_for_today()) is not None and run.is_finished,
    )
    load = sensor_run_for_today()
    assert load.job_name == "bronze_carts" and load.status == dg.DagsterRunStatus.SUCCESS
    assert _materialized_since(instance, BRONZE_CARTS, gained, today)
    _wait_for(
        "today's facts",
        lambda: _materialized_since(instance, FACT_CARTS, gained, today),
    )
    served = httpx.get(
        f"{stack.api.url}/carts",
        params={"startdate": today, "enddate": (TODAY + timedelta(days=1)).isoformat()},
    ).json()
    assert served

    def carts_in_the_mart_today() -> int | None:
        with connect(stack.urls.warehouse) as conn:
            row = conn.execute(
                "select carts from marts.mart_daily_revenue where order_date = %s", (TODAY,)
            ).fetchone()
        return row[0] if row else None

    _wait_for("today's carts in the marts", lambda: carts_in_the_mart_today() == len(served))
    # no run of the automation failed along the way
    failed = instance.get_runs(
        dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.FAILURE],
            created_after=datetime.fromtimestamp(started, UTC),
        )
    )
    assert failed == []


def test_a_job_backfill_from_the_cli_queues_runs_the_daemon_runs(stack) -> None:
    instance = stack.instance()
    first, last = stack.first_day, stack.first_day + timedelta(days=2)
    output = _launch(
        "job",
        "backfill",
        "-w",
        "workspace.yaml",
        "-j",
        "bronze_carts",
        "--from",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--noprompt",
    )
    assert "Launched backfill job" in output
    backfill_id = output.split("Launched backfill job `")[1].split("`")[0]
    runs_filter = dg.RunsFilter(tags={"dagster/backfill": backfill_id})

    def all_succeeded() -> bool:
        runs = instance.get_runs(runs_filter)
        assert not [run for run in runs if run.status == dg.DagsterRunStatus.FAILURE]
        return len(runs) == 3 and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)

    _wait_for("the backfill's three runs", all_succeeded)
    partitions = {run.tags["dagster/partition"] for run in instance.get_runs(runs_filter)}
    assert partitions == {(first + timedelta(days=n)).isoformat() for n in range(3)}
