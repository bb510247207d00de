"""The whole graph through Dagster's Python API: bronze -> staging -> core -> marts, with checks."""

from datetime import date

import dagster as dg
import pytest

from fakestore_platform.runs import materialize
from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.expectations import (
    ApiData,
    assert_no_password_anywhere,
    assert_warehouse_matches_api,
    row_counts,
)

FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2020, 3, 2)


@pytest.fixture(scope="module")
def api_data(local_api: str) -> ApiData:
    return ApiData.fetch(local_api)


@pytest.fixture(scope="module")
def run_count_and_evaluations(platform_env: dict[str, str]) -> tuple[int, list]:
    with dg.DagsterInstance.get() as instance:
        runs_before = instance.get_runs_count()
    outcome = materialize("*", (FIRST_DAY, LAST_DAY))
    assert outcome.success, outcome.failures
    with dg.DagsterInstance.get() as instance:
        return instance.get_runs_count() - runs_before, outcome.check_evaluations


def test_every_asset_materializes_in_one_run_with_every_check_passing(
    run_count_and_evaluations,
) -> None:
    runs, evaluations = run_count_and_evaluations
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


def test_every_partition_of_the_range_is_materialized(
    run_count_and_evaluations, api_data: ApiData
) -> None:
    with dg.DagsterInstance.get() as instance:
        partitions = instance.get_materialized_partitions(dg.AssetKey(["bronze", "carts"]))
    assert len(partitions) == (LAST_DAY - FIRST_DAY).days + 1
    assert {cart["date"][:10] for cart in api_data.carts} <= partitions


def test_rows_per_layer_and_mart_revenue_equal_the_apis_own_data(
    run_count_and_evaluations, databases, api_data: ApiData
) -> None:
    with connect(databases.warehouse) as conn:
        assert_warehouse_matches_api(conn, api_data)


def test_no_users_password_reaches_any_table(
    run_count_and_evaluations, databases, api_data: ApiData
) -> None:
    with connect(databases.warehouse) as conn:
        assert_no_password_anywhere(conn, [user["password"] for user in api_data.users])
        redactions = conn.execute("select distinct redacted_fields from bronze.users").fetchall()
    assert redactions == [(["password"],)]


def test_rerunning_a_partition_keeps_every_count(
    run_count_and_evaluations, databases, api_data: ApiData
) -> None:
    day = date.fromisoformat(api_data.carts[0]["date"][:10])
    with connect(databases.warehouse) as conn:
        before = row_counts(conn)
    outcome = materialize('key:"bronze/carts"+', (day, day))
    assert outcome.success, outcome.failures
    with connect(databases.warehouse) as conn:
        assert row_counts(conn) == before
        assert_warehouse_matches_api(conn, api_data)
