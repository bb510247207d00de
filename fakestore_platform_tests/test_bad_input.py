"""Bad input of every kind gets one clear message, in the CLI output and the run's events, and
leaves nothing half-written."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import orjson
import pytest

from fakestore_platform.errors import FakestoreError
from fakestore_platform.runs import parse_partitions
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
from fakestore_platform_tests.scratch_warehouse import (
    cli,
    failed_run_id,
    fresh_database,
    one_error_line,
)

TODAY = date(2026, 11, 23)


def platform(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI with no Dagster retries unless `env` asks for them: a failure fails at once."""
    return cli(*args, env={"FAKESTORE_RUN_RETRIES": "0", **env})


def failure_events(run_id: str) -> list[str]:
    with dg.DagsterInstance.get() as instance:
        events = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    return [event.dagster_event.step_failure_data.user_failure_data.description for event in events]


@pytest.fixture
def scratch_warehouse(databases) -> str:
    return fresh_database(databases, "bad_input_test")


@pytest.mark.parametrize(
    ("partition", "partition_range", "message"),
    [
        ("2020-02-30", None, "partition '2020-02-30' is not a day like 2020-01-31"),
        (
            "2019-12-31",
            None,
            "partition 2019-12-31 is outside the carts partitions, 2020-01-01 to today (2026-11-23)",
        ),
        ("2026-11-24", None, "partition 2026-11-24 is outside the carts partitions"),
        (None, "2020-03-01..2020-03-31", "must look like 2020-01-01...2020-03-31"),
        (
            None,
            "2020-03-31...2020-03-01",
            "partition range 2020-03-31...2020-03-01 ends before it starts",
        ),
        (
            "2020-03-01",
            "2020-03-01...2020-03-02",
            "either a partition or a partition range, not both",
        ),
    ],
)
def test_invalid_partitions_are_refused_with_the_reason(
    partition, partition_range, message
) -> None:
    with pytest.raises(FakestoreError, match=re.escape(message)):
        parse_partitions(partition, partition_range, load_settings({}), today=TODAY)


def test_valid_partitions_are_the_days_asked_for() -> None:
    settings = load_settings({})
    assert parse_partitions("2020-03-01", None, settings, TODAY) == (
        date(2020, 3, 1),
        date(2020, 3, 1),
    )
    assert parse_partitions(None, "2020-01-01...2020-03-31", settings, TODAY) == (
        date(2020, 1, 1),
        date(2020, 3, 31),
    )
    assert parse_partitions(None, None, settings, TODAY) is None


def test_an_invalid_partition_range_on_the_cli_is_one_line(platform_env) -> None:
    result = platform(
        "materialize", "--select", "*", "--partition-range", "2020-03-31...2020-03-01", env={}
    )
    assert one_error_line(result) == (
        "fakestore-platform: error: partition range 2020-03-31...2020-03-01 ends before it starts"
    )


TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()


@pytest.mark.parametrize(
    ("name", "value", "expects"),
    [
        ("FAKESTORE_API_MAX_ATTEMPTS", "²", "a whole number from 1 to 100"),
        ("FAKESTORE_CARTS_LOOKBACK_DAYS", "99999999999", "a whole number from 0 to 3650"),
        ("FAKESTORE_CARTS_START", TOMORROW, "a date like 2020-01-01, from 1970-01-01 to today"),
    ],
    ids=["unicode-digit", "lookback-overflowing-a-date", "start-in-the-future"],
)
def test_a_setting_out_of_range_stops_materialize_with_one_line_naming_it(
    platform_env, name: str, value: str, expects: str
) -> None:
    result = platform(
        "materialize", "--select", "*", "--partition", "2020-03-01", env={name: value}
    )
    line = one_error_line(result)
    assert line.startswith(f"fakestore-platform: error: {name} must be {expects}")
    assert line.endswith(f"got {value!r}")


def test_an_unreachable_api_fails_the_run_with_one_line_and_writes_nothing(
    platform_env, scratch_warehouse
) -> None:
    result = platform(
        "materialize",
        "--select",
        'key:"bronze/products"',
        env={
            "FAKESTORE_WAREHOUSE_URL": scratch_warehouse,
            "FAKESTORE_API_URL": "http://127.0.0.1:1",
            "FAKESTORE_API_MAX_ATTEMPTS": "2",
            "FAKESTORE_API_RETRY_BUDGET": "5",
        },
    )
    line = one_error_line(result)
    expected = "GET http://127.0.0.1:1/products failed after 2 attempts: ConnectError"
    assert expected in line
    run_id = re.search(r"run ([0-9a-f-]{36}) failed", line).group(1)
    (event,) = failure_events(run_id)
    assert event.startswith(expected)
    with connect(scratch_warehouse) as conn:
        assert conn.execute("select to_regclass('bronze.products')").fetchone() == (
            None,
        )  # nothing begun
        audit = conn.execute(
            "select asset, status, loaded, error from audit.ingestion_runs"
        ).fetchall()
    assert audit == [("bronze/products", "failed", 0, event)]


def test_a_wrong_api_url_is_refused_without_retrying_and_without_its_credentials(
    platform_env, scratch_warehouse, local_api
) -> None:
    api_url = local_api.replace("http://", "http://reader:api-password@")
    result = platform(
        "materialize",
        "--select",
        'key:"bronze/users"',
        env={"FAKESTORE_WAREHOUSE_URL": scratch_warehouse, "FAKESTORE_API_URL": f"{api_url}/v9"},
    )
    line = one_error_line(result)
    shown = local_api.replace("http://", "http://***@")
    assert f"GET {shown}/v9/users was refused with HTTP 404 (not retried)" in line
    assert "api-password" not in result.stderr + result.stdout


@pytest.fixture(scope="module")
def password_protected_server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An embedded server that checks passwords (scram), unlike the trusting default."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("scram") / "postgres")
    url = server.start()
    with connect(url, autocommit=True) as conn:
        conn.execute("alter user postgres password 'right-password'")
        hba = conn.execute("show hba_file").fetchone()[0]
        Path(hba).write_text("local all all scram-sha-256\n")
        conn.execute("select pg_reload_conf()")
    yield url
    server.stop()


def test_a_wrong_warehouse_password_is_one_line_without_the_password(
    password_protected_server,
) -> None:
    wrong = password_protected_server.replace("postgres:@", "postgres:wrong-password@")
    result = platform(
        "materialize",
        "--select",
        "*",
        "--partition",
        "2020-03-01",
        env={"FAKESTORE_WAREHOUSE_URL": wrong},
    )
    line = one_error_line(result)
    assert "cannot connect to the warehouse at postgresql://postgres:***@/" in line
    assert 'password authentication failed for user "postgres"' in line
    assert "wrong-password" not in result.stderr + result.stdout


@pytest.fixture(scope="module")
def built_warehouse(platform_env, databases, local_api) -> dict[str, str]:
    """A warehouse with the whole graph built once, for cases that break it afterwards: over the
    days of five of the local API's seven carts, around the day the cases rebuild (2020-02-02)."""
    url = fresh_database(databases, "bad_dbt_input_test")
    env = {"FAKESTORE_WAREHOUSE_URL": url, "FAKESTORE_API_URL": local_api}
    built = platform(
        "materialize", "--select", "*", "--partition-range", "2020-01-23...2020-02-12", env=env
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return env


# A line of no units, which validation refuses: here written into bronze around it. (A cart naming an
# unknown user or product is no longer a failure: it goes to the unknown member.)
ZERO_UNITS_CART = {
    "id": 999,
    "userId": 1,
    "products": [{"productId": 1, "quantity": 0}],
}
# Fits staging's integer, but quantity x price (product 6 costs 572.99) overflows numeric(14,2).
OVERFLOWING_CART = {
    "id": 998,
    "userId": 1,
    "products": [{"productId": 6, "quantity": 2_000_000_000}],
}


@pytest.mark.parametrize(
    ("cart", "step", "expected"),
    [
        (
            ZERO_UNITS_CART,
            "fakestore_dbt_partitioned_facts",
            "accepted_range_fact_cart_items_quantity__1 (fail): Got 1 result",
        ),
        (
            OVERFLOWING_CART,
            "fakestore_dbt_partitioned_facts",
            "fact_cart_items (error): Database Error in model fact_cart_items",
        ),
    ],
    ids=["failing-test", "failing-model"],
)
def test_a_failing_dbt_node_fails_the_run_clearly_and_leaves_the_marts_as_they_were(
    built_warehouse: dict[str, str], cart: dict, step: str, expected: str
) -> None:
    url = built_warehouse["FAKESTORE_WAREHOUSE_URL"]
    payload = cart | {"date": "2020-02-02T10:00:00.000Z", "__v": 0}
    with connect(url) as conn:
        mart_before = conn.execute(
            "select * from marts.mart_sales_overview order by 1, 2, 3"
        ).fetchall()
        assert mart_before  # something for the failed run to leave alone
        conn.execute(
            "insert into bronze.carts (cart_id, partition_date, payload, payload_sha256, source_url, extracted_at, run_id)"
            " values (%s, '2020-02-02', %s, 'x', 'test', now(), 'test')",
            (cart["id"], orjson.dumps(payload).decode()),
        )
    try:
        result = platform(
            "materialize",
            "--select",
            "group:staging or group:core or group:marts",
            "--partition",
            "2020-02-02",
            env=built_warehouse,
        )
    finally:
        with connect(url) as conn:
            conn.execute("delete from bronze.carts where run_id = 'test'")
    line = one_error_line(result)
    assert f"{step}: dbt build failed:" in line
    assert expected in line
    run_id = re.search(r"run ([0-9a-f-]{36}) failed", line).group(1)
    assert any(expected in event for event in failure_events(run_id))
    with connect(url) as conn:
        assert (
            conn.execute("select * from marts.mart_sales_overview order by 1, 2, 3").fetchall()
            == mart_before
        )


@contextmanager
def renamed_column(url: str, table: str, column: str) -> Iterator[None]:
    """`table` without `column` (renamed away) for as long as the block runs."""
    with connect(url, autocommit=True) as conn:
        conn.execute(f"alter table {table} rename column {column} to {column}_renamed")
    try:
        yield
    finally:
        with connect(url, autocommit=True) as conn:
            conn.execute(f"alter table {table} rename column {column}_renamed to {column}")


def test_a_statement_the_warehouse_refuses_in_a_load_is_one_line_and_not_retried(
    built_warehouse: dict[str, str],
) -> None:
    url = built_warehouse["FAKESTORE_WAREHOUSE_URL"]
    with renamed_column(url, "bronze.carts", "source_url"):
        result = platform(
            "materialize",
            "--select",
            'key:"bronze/carts"',
            "--partition",
            "2020-02-02",
            env=built_warehouse | {"FAKESTORE_RUN_RETRIES": "2", "FAKESTORE_RUN_RETRY_DELAY": "0"},
        )
    line = one_error_line(result)
    cause = (
        "the warehouse refused a statement (UndefinedColumn):"
        ' column "source_url" of relation "carts" does not exist'
    )
    run_id = failed_run_id(line)
    assert line == f"fakestore-platform: error: run {run_id} failed: bronze__carts: {cause}"
    assert failure_events(run_id) == [cause]
    with connect(url) as conn:
        attempts = conn.execute(
            "select attempt, status, error from audit.ingestion_runs where run_id = %s", (run_id,)
        ).fetchall()
        recorded = conn.execute(
            "select error from audit.run_failures where run_id = %s", (run_id,)
        ).fetchall()
    assert attempts == [(1, "failed", cause)]  # refused once, refused again: no retry
    assert recorded == [(f"bronze__carts: {cause}",)]


def test_a_database_error_in_an_asset_check_is_one_line_naming_the_check(
    built_warehouse: dict[str, str],
) -> None:
    url = built_warehouse["FAKESTORE_WAREHOUSE_URL"]
    # Only the facts' reconciliation with bronze reads it, after dbt built the day.
    with renamed_column(url, "bronze.rejected_records", "entity"):
        result = platform(
            "materialize",
            "--select",
            'key:"core/fact_cart_items"',
            "--partition",
            "2020-02-02",
            env=built_warehouse,
        )
    line = one_error_line(result)
    assert (
        '_totals_reconcile_with_bronze: the warehouse refused a statement (UndefinedColumn): column "entity" does not exist'
        in line
    )
    assert "DagsterExecutionStepExecutionError" not in line and "LINE 1" not in line
