"""The whole graph through Dagster's Python API: bronze -> staging -> core -> marts, with checks."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import dagster as dg
import httpx
import psycopg
import pytest

from fakestore_platform.definitions import build_definitions
from fakestore_platform.defs.ingest.assets import PREVIEW_ROWS
from fakestore_platform.defs.ingest.load import CARTS_REQUEST_DAYS
from fakestore_platform.defs.quality.reconciliation import facts_reconcile_with_bronze
from fakestore_platform.instance import EVENT_BATCH_SIZE, EVENTS_PER_BATCH
from fakestore_platform.runs import RunOutcome, materialize
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform_tests.dev_server import free_port
from fakestore_platform_tests.expectations import (
    ApiData,
    assert_no_password_anywhere,
    assert_warehouse_matches_api,
    row_counts,
)

# The first and last days of the local API's carts (as the demo's range): no partition without one.
FIRST_DAY, LAST_DAY = date(2020, 1, 2), date(2020, 2, 12)


@pytest.fixture(scope="module")
def api_data(local_api: str) -> ApiData:
    return ApiData.fetch(local_api)


@pytest.fixture(scope="module")
def run_count_and_outcome(platform_env: dict[str, str]) -> tuple[int, RunOutcome]:
    with dg.DagsterInstance.get() as instance:
        runs_before = instance.get_runs_count()
    outcome = materialize("*", (FIRST_DAY, LAST_DAY))
    assert outcome.success, outcome.failures
    with dg.DagsterInstance.get() as instance:
        return instance.get_runs_count() - runs_before, outcome


def test_every_asset_materializes_in_one_run_with_every_check_passing(
    run_count_and_outcome,
) -> None:
    runs, outcome = run_count_and_outcome
    evaluations = outcome.check_evaluations
    assert runs == 1
    assert len(evaluations) >= 80
    assert [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed] == []
    checked_assets = {e.asset_key.to_user_string() for e in evaluations}
    assert {
        "bronze/carts",
        "bronze/users",
        "marts/mart_sales_overview",
        "core/fact_cart_items",
    } <= checked_assets


def test_no_check_has_partitions_of_its_own() -> None:
    """What the platform's event log assumes when it stores one planned record per check and run
    (instance.PlatformEventLogStorage): every check evaluates its run's whole range at once."""
    graph = build_definitions(load_settings()).resolve_asset_graph()
    assert len(graph.asset_check_keys) >= 80
    partitioned = [k for k in graph.asset_check_keys if graph.get_check_spec(k).partitions_def]
    assert partitioned == []


def test_each_check_of_a_range_run_leaves_one_evaluated_record_and_none_planned(
    run_count_and_outcome,
) -> None:
    """Dagster would store a planned record per partition of the range for every check, left
    `PLANNED` beside the check's one evaluation (instance.PlatformEventLogStorage)."""
    _, outcome = run_count_and_outcome
    with dg.DagsterInstance.get() as instance:
        statuses = {
            evaluation.asset_check_key: [
                record.status.value
                for record in instance.event_log_storage.get_asset_check_execution_history(
                    evaluation.asset_check_key, limit=1000
                )
                if record.run_id == outcome.run_id
            ]
            for evaluation in outcome.check_evaluations
        }
    assert len(statuses) >= 80
    assert statuses == {key: ["SUCCEEDED"] for key in statuses}


def test_with_event_batching_on_a_range_run_records_every_partition_of_its_range_once(
    run_count_and_outcome,
) -> None:
    """The platform's processes store a range run's materializations in one write per batch
    (instance.DAGSTER_SWITCHES): every day of the range is still materialized, once."""
    _, outcome = run_count_and_outcome
    assert os.environ[EVENT_BATCH_SIZE] == EVENTS_PER_BATCH
    days = {
        (FIRST_DAY + timedelta(days=n)).isoformat() for n in range((LAST_DAY - FIRST_DAY).days + 1)
    }
    with dg.DagsterInstance.get() as instance:
        for key in (["bronze", "carts"], ["core", "fact_cart_items"]):
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(key)), limit=10_000
            ).records
            of_run = [record.partition_key for record in records if record.run_id == outcome.run_id]
            assert sorted(of_run) == sorted(days), key


OBSERVATION_FALLBACK = "AssetObservation instead of an AssetCheckResult"


def test_every_dbt_test_of_the_run_is_a_check_result_and_none_an_observation(
    run_count_and_outcome,
) -> None:
    """dagster-dbt logs a dbt test it has no check for as an observation of each model it read, with
    a warning: in the run's event log (a log line, and the observation's description)."""
    _, outcome = run_count_and_outcome
    with dg.DagsterInstance.get() as instance:
        entries = instance.all_logs(outcome.run_id)
    observations = [
        entry.dagster_event.event_specific_data.asset_observation
        for entry in entries
        if entry.dagster_event is not None
        and entry.dagster_event.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    ]
    fallbacks = [
        " ".join(entry.user_message.split()[:12])
        for entry in entries
        if OBSERVATION_FALLBACK in entry.user_message.replace("`", "")
    ]
    assert len(entries) > 500
    assert fallbacks == []
    assert [
        (observation.asset_key.to_user_string(), observation.description)
        for observation in observations
    ] == []


def test_every_partition_of_the_range_is_materialized(
    run_count_and_outcome, api_data: ApiData
) -> None:
    # The session's instance holds other tests' runs too: count this run's materializations only.
    _, outcome = run_count_and_outcome
    with dg.DagsterInstance.get() as instance:
        records = instance.get_records_for_run(
            outcome.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
        ).records
    carts = [
        record.event_log_entry.dagster_event
        for record in records
        if record.event_log_entry.dagster_event.asset_key == dg.AssetKey(["bronze", "carts"])
    ]
    partitions = {event.partition for event in carts}
    assert len(partitions) == (LAST_DAY - FIRST_DAY).days + 1
    assert {cart["date"][:10] for cart in api_data.carts} <= partitions
    # Every partition's event carries the range's figures: all its requests counted, a few named.
    metadata = carts[0].event_specific_data.materialization.metadata
    days_asked = (LAST_DAY - FIRST_DAY).days + 3  # a neighbouring day on each side
    assert metadata["requests"].value == -(-days_asked // CARTS_REQUEST_DAYS)
    assert len(metadata["source_urls"].value) == min(metadata["requests"].value, PREVIEW_ROWS)


def test_rows_per_layer_and_mart_revenue_equal_the_apis_own_data(
    run_count_and_outcome, databases, api_data: ApiData
) -> None:
    with connect(databases.warehouse) as conn:
        assert_warehouse_matches_api(conn, api_data)


def test_no_users_password_reaches_any_table(
    run_count_and_outcome, databases, api_data: ApiData
) -> None:
    with connect(databases.warehouse) as conn:
        assert_no_password_anywhere(conn, [user["password"] for user in api_data.users])
        redactions = conn.execute("select distinct redacted_fields from bronze.users").fetchall()
    assert redactions == [(["password"],)]


def test_rerunning_a_partition_keeps_every_count(
    run_count_and_outcome, databases, api_data: ApiData
) -> None:
    day = date.fromisoformat(api_data.carts[0]["date"][:10])
    with connect(databases.warehouse) as conn:
        before = row_counts(conn)
    outcome = materialize('key:"bronze/carts"+', (day, day))
    assert outcome.success, outcome.failures
    with connect(databases.warehouse) as conn:
        assert row_counts(conn) == before
        assert_warehouse_matches_api(conn, api_data)


PII_NAMES = (
    "email",
    "phone",
    "password",
    "street",
    "number",
    "zipcode",
    "lat",
    "long",
    "firstname",
    "lastname",
)


def test_the_reader_role_reads_every_mart_and_nothing_else(
    run_count_and_outcome, databases, platform_env
) -> None:
    reader = databases.warehouse.replace(
        "postgres:@", f"fakestore_reader:{platform_env['FAKESTORE_READER_PASSWORD']}@"
    )
    with connect(databases.warehouse) as conn:
        marts = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            )
        ]
        elsewhere = conn.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in ('bronze', 'staging', 'core')"
        ).fetchall()
    assert "mart_sales_overview" in marts
    assert len(elsewhere) >= 10
    with connect(reader, autocommit=True) as conn:
        assert conn.execute("select current_user").fetchone() == ("fakestore_reader",)
        for mart in marts:
            conn.execute(f"select * from marts.{mart} limit 1").fetchall()
        for schema, table in elsewhere:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f'select 1 from "{schema}"."{table}" limit 1')


def test_no_mart_holds_pii_by_column_name_or_content(
    run_count_and_outcome, databases, api_data: ApiData
) -> None:
    # Values that identify a person (a bare first name could be a brand in a product title).
    pii_values = {
        value.lower()
        for user in api_data.users
        for value in (
            user["email"], user["phone"], user["password"], user["address"]["street"], user["address"]["zipcode"],
            user["address"]["geolocation"]["lat"], user["address"]["geolocation"]["long"],
            f"{user['name']['firstname']} {user['name']['lastname']}",
        )
    }  # fmt: skip
    with connect(databases.warehouse) as conn:
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
        ).fetchall()
        assert columns
        for table, column in columns:
            assert not any(name in column.lower().split("_") for name in PII_NAMES), (
                f"{table}.{column}"
            )
        for table in {table for table, _ in columns}:
            for (row,) in conn.execute(f"select t::text from marts.{table} as t"):
                assert not any(value in row.lower() for value in pii_values if len(value) > 3), (
                    table
                )


def test_dbt_docs_are_generated_offline_with_every_mart_described(
    run_count_and_outcome, settings
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    result = subprocess.run(
        [sys.executable, "-m", "fakestore_platform.cli", "docs"],
        env=env | {"FAKESTORE_HOME": str(settings.home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    catalog = json.loads((settings.home / "dbt-docs" / "catalog.json").read_text())
    manifest = json.loads((settings.home / "dbt-docs" / "manifest.json").read_text())
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    ]
    assert len(marts) == 6
    for mart in marts:
        assert mart["description"], mart["name"]
        built = catalog["nodes"][mart["unique_id"]]["columns"]
        assert set(built) == set(mart["columns"]), mart["name"]  # every built column documented
        assert all(column["description"] for column in mart["columns"].values()), mart["name"]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_docs_serve_serves_the_generated_site_and_a_busy_port_fails_in_one_line(
    run_count_and_outcome, settings
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    env |= {"FAKESTORE_HOME": str(settings.home)}
    port = free_port()
    command = [sys.executable, "-m", "fakestore_platform.cli", "docs", "--serve", "--port"]
    server = subprocess.Popen([*command, str(port)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300  # it generates the docs first
        while not _answers(f"http://127.0.0.1:{port}/"):
            assert server.poll() is None and time.monotonic() < deadline, (
                "docs --serve never served"
            )
            time.sleep(0.5)
        page = httpx.get(f"http://127.0.0.1:{port}/index.html", timeout=10)
        catalog = httpx.get(f"http://127.0.0.1:{port}/catalog.json", timeout=10)
        assert page.status_code == 200 and "dbt" in page.text.lower()
        assert "model.fakestore.mart_daily_revenue" in catalog.json()["nodes"]
        busy = subprocess.run(
            [*command, str(port)], env=env, capture_output=True, text=True, timeout=300
        )
        assert busy.returncode == 1
        assert busy.stderr == (
            f"fakestore-platform: error: cannot serve the docs on port {port} (Address already in"
            " use): choose another with --port\n"
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def test_facts_reconcile_with_bronze_over_the_days_of_the_latest_load(
    run_count_and_outcome, databases
) -> None:
    warehouse = Warehouse(url=databases.warehouse, home="unused")
    passing = facts_reconcile_with_bronze(warehouse=warehouse)
    assert passing.passed, passing.metadata
    latest_days = (
        "select min(partition_date), max(partition_date) from bronze.carts"
        " where extracted_at = (select max(extracted_at) from bronze.carts)"
    )
    tamper = "update core.fact_cart_items set quantity = quantity + %s where cart_item_id = %s"
    with connect(databases.warehouse, autocommit=True) as conn:
        first, last = conn.execute(latest_days).fetchone()
        assert (passing.metadata["first_day"].value, passing.metadata["last_day"].value) == (
            str(first),
            str(last),
        )
        (line,) = conn.execute(
            "select min(cart_item_id) from core.fact_cart_items where order_date = %s", (last,)
        ).fetchone()
        conn.execute(tamper, (1, line))
        try:
            failing = facts_reconcile_with_bronze(warehouse=warehouse)
        finally:
            conn.execute(tamper, (-1, line))
    assert not failing.passed
    assert failing.metadata["units"].value == failing.metadata["units_in_bronze"].value + 1
