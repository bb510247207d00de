"""Upstream changes of the business's domain reach the marts instead of stopping the warehouse: a new
product category warns, naming it, and flows through."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import dagster as dg

from fakestore_platform.cli import printed_run_id
from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.samples import CART, PRODUCT, USER, WHOLE_PRICE_PRODUCT
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize
from fakestore_platform_tests.scripted_api import ScriptedApi

EVERYTHING = ("--select", "*", "--partition-range", "2020-03-01...2020-03-02")
CATEGORY_CHECK = ("staging/stg_products", "known_product_category")


def cart(cart_id: int, user_id: int, date: str, *lines: tuple[int, int]) -> dict[str, Any]:
    return CART | {
        "id": cart_id,
        "userId": user_id,
        "date": date,
        "products": [{"productId": product, "quantity": quantity} for product, quantity in lines],
    }


def checks_not_passed(run_id: str) -> dict[tuple[str, str], Any]:
    """(asset, check) -> evaluation of every check of the run that did not pass, from the instance."""
    with dg.DagsterInstance.get() as instance:
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
        ).records
    evaluations = [record.event_log_entry.dagster_event.event_specific_data for record in records]
    assert len(evaluations) > 50
    return {
        (evaluation.asset_key.to_user_string(), evaluation.check_name): evaluation
        for evaluation in evaluations
        if not evaluation.passed
    }


def test_a_new_category_warns_naming_it_and_its_sales_reach_the_marts(
    platform_env, databases
) -> None:
    toy = PRODUCT | {"id": 21, "title": "Wooden train set", "price": 12.5, "category": "toys"}
    api = ScriptedApi(
        products=[PRODUCT, WHOLE_PRICE_PRODUCT, toy],
        users=[USER],
        carts=[
            cart(1, 1, "2020-03-01T09:30:00.000Z", (21, 2), (1, 1)),
            cart(2, 1, "2020-03-02T18:00:00.000Z", (5, 1)),
        ],
    )
    url = fresh_database(databases, "category_drift_test")
    with api.serve() as api_url:
        out = materialize(url, api_url, *EVERYTHING)

    # The one check not passed is the category check on the catalogue, a warning naming the value.
    not_passed = checks_not_passed(printed_run_id(out))
    assert list(not_passed) == [CATEGORY_CHECK]
    warning = not_passed[CATEGORY_CHECK]
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert "'toys'" in warning.description
    assert warning.metadata["failing_rows"].value == [{"value_field": "toys", "n_records": 1}]
    # materialize lists each check not passed, after dbt's own log, with what it found.
    assert [line for line in out.splitlines() if line.startswith(("  WARN: ", "  ERROR: "))] == [
        "  WARN: staging/stg_products known_product_category: 1 failing row in"
        " audit.known_product_category: value_field='toys', n_records=1"
    ]

    with connect(url) as conn:
        toys_by_mart = {
            mart: conn.execute(query).fetchone()
            for mart, query in {
                "sales_overview": "select sum(gross_revenue), sum(units_sold) from marts.mart_sales_overview where category = 'toys'",
                "category_performance": "select sum(revenue), sum(units) from marts.mart_category_performance where category = 'toys'",
                "product_performance": "select revenue, units from marts.mart_product_performance where product_id = 21 and category = 'toys'",
            }.items()
        }
        (daily_revenue,) = conn.execute(
            "select sum(revenue) from marts.mart_daily_revenue"
        ).fetchone()
    assert toys_by_mart == dict.fromkeys(toys_by_mart, (Decimal("25.00"), 2))
    assert daily_revenue == Decimal("25.00") + Decimal("109.95") + Decimal("695.00")
