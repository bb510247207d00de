"""Upstream changes of the business's domain reach the marts instead of stopping the warehouse: a new
product category warns and flows through; cart lines naming a product or user the API does not serve
(or a product quarantined for a null price) go to the unknown member, and every total still agrees."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import dagster as dg
import pytest

from fakestore_platform.cli import printed_run_id
from fakestore_platform.defs.quality.reconciliation import MART_TOTALS
from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.expectations import CENT
from fakestore_platform_tests.samples import CART, PRODUCT, USER, WHOLE_PRICE_PRODUCT
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize
from fakestore_platform_tests.scripted_api import ScriptedApi

EVERYTHING = ("--select", "*", "--partition-range", "2020-03-01...2020-03-02")
CATEGORY_CHECK = ("core/dim_products", "known_product_category")


def cart(cart_id: int, user_id: int, date: str, *lines: tuple[int, int]) -> dict[str, Any]:
    return CART | {
        "id": cart_id,
        "userId": user_id,
        "date": date,
        "products": [{"productId": product, "quantity": quantity} for product, quantity in lines],
    }


def user(user_id: int, username: str, city: str) -> dict[str, Any]:
    return USER | {
        "id": user_id,
        "username": username,
        "email": f"{username}@example.com",
        "address": USER["address"] | {"city": city},
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


def expected_totals(api: ScriptedApi) -> tuple[Decimal, int]:
    """Revenue and units straight from the records served: a line of a product served without a
    price (quarantined) or not served at all has units and no revenue."""
    prices = {p["id"]: Decimal(str(p["price"])) for p in api.products if p["price"] is not None}
    lines = [line for c in api.carts for line in c["products"]]
    revenue = sum(
        (line["quantity"] * prices[line["productId"]]).quantize(CENT)
        for line in lines
        if line["productId"] in prices
    )
    return revenue, sum(line["quantity"] for line in lines)


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
        "  WARN: core/dim_products known_product_category: 1 failing row in"
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


@pytest.fixture(scope="module")
def orphans(databases, platform_env) -> tuple[str, ScriptedApi, str]:
    """A fresh warehouse built once from a store whose carts name a product the API does not serve
    (99), a product it serves with a null price (21, quarantined by bronze validation) and a user it
    does not serve (42): the warehouse URL, the store and the materialize output."""
    categories = ["women's clothing", "electronics", "jewelery", "men's clothing"]
    # 20 products, as the real API serves: the one quarantined stays below the rejected share's warning.
    catalogue = [
        PRODUCT | {"id": i, "price": 5 + i * 1.25, "category": categories[i % 4]}
        for i in range(1, 21)
    ]
    api = ScriptedApi(
        products=[*catalogue, PRODUCT | {"id": 21, "price": None}],
        users=[user(1, "johnd", "kilcoole"), user(2, "mor_2314", "springfield")],
        carts=[
            cart(1, 1, "2020-03-01T09:30:00.000Z", (3, 2), (99, 3)),
            cart(2, 42, "2020-03-01T12:00:00.000Z", (5, 1)),
            cart(3, 2, "2020-03-02T18:00:00.000Z", (21, 4), (3, 1)),
        ],
    )
    url = fresh_database(databases, "orphans_test")
    with api.serve() as api_url:
        out = materialize(url, api_url, *EVERYTHING)
    return url, api, out


def test_orphan_lines_build_every_mart_with_every_check_passing(orphans) -> None:
    url, _, out = orphans
    assert checks_not_passed(printed_run_id(out)) == {}
    with connect(url) as conn:
        marts = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        (quarantined,) = conn.execute(
            "select array_agg((payload ->> 'id')::int) from bronze.rejected_records where entity = 'products'"
        ).fetchone()
    assert {name for (name,) in marts} == set(MART_TOTALS)
    assert quarantined == [21]


def test_facts_and_every_mart_agree_with_the_bronze_payloads_to_the_cent(orphans) -> None:
    url, api, _ = orphans
    revenue, units = expected_totals(api)
    totals = {
        "core.fact_cart_items": ("line_revenue", "quantity"),
        "core.fact_carts": ("cart_revenue", "units"),
        **{f"marts.{mart}": columns for mart, columns in MART_TOTALS.items()},
    }
    with connect(url) as conn:
        found = {
            relation: conn.execute(
                f"select sum({revenue_column}), {f'sum({units_column})' if units_column else 'null'} from {relation}"
            ).fetchone()
            for relation, (revenue_column, units_column) in totals.items()
        }
        (bronze_units,) = conn.execute(
            "select sum((line ->> 'quantity')::int) from bronze.carts,"
            " jsonb_array_elements(payload -> 'products') as line"
        ).fetchone()
    assert (revenue, units, bronze_units) == (Decimal("37.50"), 11, 11)
    assert found == {
        relation: (revenue, units if units_column else None)
        for relation, (_, units_column) in totals.items()
    }


def test_orphan_lines_are_visible_as_the_unknown_member(orphans) -> None:
    url, _, _ = orphans
    with connect(url) as conn:
        unknown_product = conn.execute(
            "select product_sk from core.dim_products where product_id = -1"
        ).fetchall()
        unknown_user = conn.execute(
            "select user_sk from core.dim_users where user_id = -1"
        ).fetchall()
        lines = conn.execute(
            "select cart_id, product_id, product_sk, user_id, user_sk, quantity, unit_price, line_revenue"
            " from core.fact_cart_items order by cart_id, line_number"
        ).fetchall()
        carts = conn.execute(
            "select cart_id, user_id, user_sk, units, cart_revenue from core.fact_carts order by cart_id"
        ).fetchall()
        overview = conn.execute(
            "select category, customer_city, sum(units_sold), sum(gross_revenue)"
            " from marts.mart_sales_overview group by 1, 2 order by 1, 2"
        ).fetchall()
        products = conn.execute(
            "select product_id, title, category, is_in_catalogue, units, revenue"
            " from marts.mart_product_performance where product_id in (3, 5, 21, 99) order by 1"
        ).fetchall()
        customers = conn.execute(
            "select user_id, username, frequency, monetary from marts.mart_customer_rfm order by 1"
        ).fetchall()
    assert len(unknown_product) == len(unknown_user) == 1
    unknown_product_sk, unknown_user_sk = unknown_product[0][0], unknown_user[0][0]
    orphan_lines = [
        (cart_id, product_id, product_sk == unknown_product_sk, user_sk == unknown_user_sk, *rest)
        for cart_id, product_id, product_sk, _, user_sk, *rest in lines
        if product_sk == unknown_product_sk or user_sk == unknown_user_sk
    ]
    assert orphan_lines == [
        (1, 99, True, False, 3, None, None),
        (2, 5, False, True, 1, Decimal("11.25"), Decimal("11.25")),
        (3, 21, True, False, 4, None, None),
    ]
    assert [(c, u, sk == unknown_user_sk, n, r) for c, u, sk, n, r in carts] == [
        (1, 1, False, 5, Decimal("17.50")),
        (2, 42, True, 1, Decimal("11.25")),
        (3, 2, False, 5, Decimal("8.75")),
    ]
    assert overview == [
        ("electronics", "unknown", 1, Decimal("11.25")),
        ("men's clothing", "Kilcoole", 2, Decimal("17.50")),
        ("men's clothing", "Springfield", 1, Decimal("8.75")),
        ("unknown", "Kilcoole", 3, Decimal("0.00")),
        ("unknown", "Springfield", 4, Decimal("0.00")),
    ]
    assert products == [
        (3, PRODUCT["title"], "men's clothing", True, 3, Decimal("26.25")),
        (5, PRODUCT["title"], "electronics", True, 1, Decimal("11.25")),
        (21, "unknown", "unknown", False, 4, Decimal("0.00")),
        (99, "unknown", "unknown", False, 3, Decimal("0.00")),
    ]
    assert customers == [
        (1, "johnd", 1, Decimal("17.50")),
        (2, "mor_2314", 1, Decimal("8.75")),
        (42, "unknown", 1, Decimal("11.25")),
    ]
