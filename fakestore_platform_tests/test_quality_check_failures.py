"""A check that cannot reach or read the warehouse fails its step with one line saying why, as a
bronze load does: never a traceback of psycopg's."""

from __future__ import annotations

import dagster as dg
import pytest

from fakestore_platform.defs.ingest.checks import bronze_checks
from fakestore_platform.defs.ingest.tables import ensure_bronze_tables
from fakestore_platform.defs.quality.reconciliation import reconciliation_checks
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.connection import DatabaseUrls, connect
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform_tests.scratch_warehouse import fresh_database

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/warehouse"


def _check(
    checks: list[dg.AssetChecksDefinition], key: dg.AssetCheckKey
) -> dg.AssetChecksDefinition:
    return next(check for check in checks if key in check.check_keys)


def step_failure_description(check: dg.AssetChecksDefinition, warehouse: Warehouse) -> str:
    """Run the check alone, its asset already built, and return its step's failure description."""
    (key,) = check.check_keys
    result = dg.materialize(
        [dg.AssetSpec(key.asset_key), check],
        selection=dg.AssetSelection.all_asset_checks(),
        resources={"warehouse": warehouse},
        raise_on_error=False,
    )
    (failure,) = result.get_step_failure_events()
    data = failure.step_failure_data
    assert data.user_failure_data is not None, data.error and data.error.to_string()
    return data.user_failure_data.description


def assert_one_line(description: str, *cause: str) -> None:
    assert "\n" not in description and "Traceback" not in description, description
    for words in cause:
        assert words in description, description


@pytest.fixture
def empty_warehouse(settings: Settings, databases: DatabaseUrls) -> Warehouse:
    return Warehouse(url=fresh_database(databases, "check_failures"), home=str(settings.home))


def test_a_bronze_check_that_cannot_connect_fails_in_one_line(settings: Settings) -> None:
    check = _check(
        bronze_checks(settings),
        dg.AssetCheckKey(dg.AssetKey(["bronze", "products"]), "rejected_share_below_thresholds"),
    )
    description = step_failure_description(
        check, Warehouse(url=UNREACHABLE, home=str(settings.home))
    )
    assert_one_line(description, "cannot connect to the warehouse at", "127.0.0.1", "refused")


def test_a_bronze_check_on_a_damaged_table_fails_in_one_line(
    settings: Settings, empty_warehouse: Warehouse
) -> None:
    check = _check(
        bronze_checks(settings),
        dg.AssetCheckKey(dg.AssetKey(["bronze", "users"]), "no_duplicate_ids"),
    )
    with connect(empty_warehouse.url, autocommit=True) as conn:
        ensure_bronze_tables(conn)
        conn.execute("alter table bronze.users drop column extracted_at")
    description = step_failure_description(check, empty_warehouse)
    assert_one_line(
        description, "the warehouse refused a statement (UndefinedColumn)", "extracted_at"
    )


@pytest.mark.parametrize(
    ("asset", "name", "missing"),
    [
        (["staging", "stg_carts"], "rows_equal_bronze", '"bronze.carts"'),
        (["marts", "mart_daily_revenue"], "totals_reconcile_with_facts", '"core.fact_cart_items"'),
        (["core", "fact_cart_items"], "totals_reconcile_with_bronze", '"bronze.carts"'),
    ],
)
def test_a_reconciliation_whose_table_is_missing_fails_in_one_line(
    empty_warehouse: Warehouse, asset: list[str], name: str, missing: str
) -> None:
    check = _check(reconciliation_checks, dg.AssetCheckKey(dg.AssetKey(asset), name))
    description = step_failure_description(check, empty_warehouse)
    assert_one_line(
        description,
        "the warehouse refused a statement (UndefinedTable)",
        f"relation {missing} does not exist",
    )
