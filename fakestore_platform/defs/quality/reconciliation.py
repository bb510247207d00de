"""Reconciliation: revenue and units agree from bronze payloads to the facts to every mart, and
staging holds exactly what bronze holds."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
from psycopg import sql

from fakestore_platform.defs.ingest.tables import latest_load
from fakestore_platform.warehouse.catalog import (
    CORE,
    FACT_CART_ITEMS,
    MARTS,
    REJECTED_RECORDS,
    STAGING,
    bronze,
    relation,
)
from fakestore_platform.warehouse.failures import step_failure
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform.warehouse.split import split_rows

FACTS = dg.AssetKey([CORE, FACT_CART_ITEMS])
FACT_TOTALS = sql.SQL(
    "select coalesce(sum(line_revenue), 0), coalesce(sum(quantity), 0)::bigint from {}"
).format(relation(CORE, FACT_CART_ITEMS))
DAYS = "between %(first)s and %(last)s"

# Each mart that sums the facts: its revenue and units columns (units None where it has none).
MART_TOTALS: dict[str, tuple[str, str | None]] = {
    "mart_sales_overview": ("gross_revenue", "units_sold"),
    "mart_daily_revenue": ("revenue", "units"),
    "mart_product_performance": ("revenue", "units"),
    "mart_category_performance": ("revenue", "units"),
    "mart_customer_rfm": ("monetary", None),
    "mart_customer_cohorts": ("revenue", None),
}

# The first and last day of the latest carts load (valid or rejected rows): the days its run rebuilt.
LATEST_LOAD_DAYS = sql.SQL(
    "select min(partition_date), max(partition_date) from ("
    "select partition_date from {carts} where {latest} union all "
    "select partition_date from {rejected} where entity = 'carts' and {latest}) as loaded"
).format(carts=bronze("carts"), rejected=bronze(REJECTED_RECORDS), latest=latest_load("carts"))

# Straight from the payloads of those days: each cart's latest extracted copy, priced at the
# product's price in the latest batch extracted at or before the cart's time (the first batch for
# earlier carts). Split in slices of cart ids run side by side (warehouse.split); they add up.
BRONZE_TOTALS = sql.SQL(f"""
with carts as (
    select distinct on (cart_id) payload
    from {{carts}}
    where partition_date {DAYS} and {{slice}}
    order by cart_id, extracted_at desc
),
lines as (
    select
        (carts.payload ->> 'date')::timestamptz as ordered_at,
        (line ->> 'productId')::int as product_id,
        (line ->> 'quantity')::int as quantity
    from carts, jsonb_array_elements(carts.payload -> 'products') as line
),
priced as (
    select
        lines.quantity,
        coalesce(at_the_time.price, first_seen.price) as price
    from lines
    left join lateral (
        select (payload ->> 'price')::numeric as price from {{products}}
        where product_id = lines.product_id and extracted_at <= lines.ordered_at
        order by extracted_at desc limit 1
    ) as at_the_time on true
    left join lateral (
        select (payload ->> 'price')::numeric as price from {{products}}
        where product_id = lines.product_id
        order by extracted_at limit 1
    ) as first_seen on true
)
select coalesce(sum(round(quantity * price, 2)), 0), coalesce(sum(quantity), 0)::bigint from priced
""")


def _totals_result(
    expected: tuple[Decimal, int],
    actual: tuple[Decimal, int | None],
    against: str,
    scope: dict[str, str] | None = None,
) -> dg.AssetCheckResult:
    revenue_ok = actual[0] == expected[0]
    units_ok = actual[1] is None or actual[1] == expected[1]
    return dg.AssetCheckResult(
        passed=revenue_ok and units_ok,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            **(scope or {}),
            "revenue": float(actual[0]),
            f"revenue_in_{against}": float(expected[0]),
            **(
                {"units": actual[1], f"units_in_{against}": expected[1]}
                if actual[1] is not None
                else {}
            ),
        },
    )


def _mart_check(mart: str, revenue: str, units: str | None) -> dg.AssetChecksDefinition:
    units_total = (
        sql.SQL("coalesce(sum({}), 0)::bigint").format(sql.Identifier(units))
        if units
        else sql.SQL("null")
    )
    query = sql.SQL("select coalesce(sum({}), 0), {} from {}").format(
        sql.Identifier(revenue), units_total, relation(MARTS, mart)
    )

    @dg.asset_check(
        asset=dg.AssetKey([MARTS, mart]),
        name="totals_reconcile_with_facts",
        description=f"Total {revenue}{f' and {units}' if units else ''} equal fact_cart_items' revenue and units.",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with step_failure(), warehouse.connect() as conn:
            facts = conn.execute(FACT_TOTALS).fetchone()
            totals = conn.execute(query).fetchone()
        return _totals_result(facts, totals, "facts")

    return check


@dg.asset_check(
    asset=FACTS,
    name="totals_reconcile_with_bronze",
    description="Over the days of the latest carts load, revenue and units computed straight from the "
    "bronze payloads, at the price valid when each cart was ordered, equal fact_cart_items'. A daily "
    "run reconciles its day, a backfill its range: each day is reconciled when it is rebuilt.",
)
def facts_reconcile_with_bronze(warehouse: Warehouse) -> dg.AssetCheckResult:
    with step_failure():
        with warehouse.connect() as conn:
            first, last = conn.execute(LATEST_LOAD_DAYS).fetchone()
            days = {"first": first, "last": last}
            facts = conn.execute(
                FACT_TOTALS + sql.SQL(f" where order_date {DAYS}"), days
            ).fetchone()
        slices = split_rows(
            warehouse.connect,
            BRONZE_TOTALS,
            sql.Identifier("cart_id"),
            days,
            carts=bronze("carts"),
            products=bronze("products"),
        )
    in_bronze = (sum(revenue for revenue, _ in slices), sum(units for _, units in slices))
    return _totals_result(
        in_bronze, facts, "bronze", {"first_day": str(first), "last_day": str(last)}
    )


# Each staging model over a whole bronze table: the rows bronze holds for it (every snapshot batch of
# products and users; each cart once, its latest copy).
STAGING_COUNTS = {
    "stg_product_batches": sql.SQL("select count(*) from {}").format(bronze("products")),
    "stg_user_batches": sql.SQL("select count(*) from {}").format(bronze("users")),
    "stg_carts": sql.SQL("select count(distinct cart_id) from {}").format(bronze("carts")),
}


def _staging_check(model: str, bronze_count: sql.Composable) -> dg.AssetChecksDefinition:
    rows_query = sql.SQL("select count(*) from {}").format(relation(STAGING, model))

    @dg.asset_check(
        asset=dg.AssetKey([STAGING, model]),
        name="rows_equal_bronze",
        description=f"{model} holds one row per record bronze holds for it.",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with step_failure(), warehouse.connect() as conn:
            (expected,) = conn.execute(bronze_count).fetchone()
            (rows,) = conn.execute(rows_query).fetchone()
        return dg.AssetCheckResult(
            passed=rows == expected,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"rows": rows, "bronze_rows": expected},
        )

    return check


reconciliation_checks = [
    facts_reconcile_with_bronze,
    *(_mart_check(mart, revenue, units) for mart, (revenue, units) in MART_TOTALS.items()),
    *(_staging_check(model, query) for model, query in STAGING_COUNTS.items()),
]
