"""What the UI shows of each dbt model a build made, read from the warehouse as the model's event
streams: its columns and rows (the Catalog), and for the marts the headline figures the business
reads (numbers, so the asset's Plots tab charts them run after run) and, for two, a chart.

dagster-dbt's fetch_row_counts() and fetch_column_metadata() need a dbt adapter in this process,
which FakestoreDbtCli does not open (its docstring says why): the same is two small queries here,
on one connection for the whole build, for the models the build made and nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

from fakestore_platform.defs.transform.charts import category_revenue_chart, daily_revenue_chart
from fakestore_platform.warehouse.catalog import (
    MART_CATEGORY_PERFORMANCE,
    MART_CUSTOMER_COHORTS,
    MART_CUSTOMER_RFM,
    MART_DAILY_REVENUE,
    MART_PRODUCT_PERFORMANCE,
    MART_SALES_OVERVIEW,
    relation,
)
from fakestore_platform.warehouse.resource import Warehouse

logger = logging.getLogger(__name__)

# What reading the rest took, on each model's event: make bench sums it over a run.
METADATA_SECONDS = "metadata_seconds"

# Each mart's headline figures: name -> SQL aggregate over the mart (an empty mart reads zeros).
HEADLINE_FIGURES: dict[str, dict[str, str]] = {
    MART_SALES_OVERVIEW: {
        "revenue": "sum(gross_revenue)",
        "units": "sum(units_sold)",
        "days": "count(distinct order_date)",
        "cities": "count(distinct customer_city)",
    },
    MART_DAILY_REVENUE: {
        "revenue": "sum(revenue)",
        "carts": "sum(carts)",
        "units": "sum(units)",
        "days": "count(*)",
        "revenue_last_7_days": "(array_agg(revenue_7d_moving order by order_date desc))[1]",
    },
    MART_PRODUCT_PERFORMANCE: {
        "revenue": "sum(revenue)",
        "units": "sum(units)",
        "products_sold": "count(*)",
        "top_product_revenue": "max(revenue)",
    },
    MART_CATEGORY_PERFORMANCE: {
        "revenue": "sum(revenue)",
        "units": "sum(units)",
        "categories": "count(distinct category)",
        "months": "count(distinct month)",
    },
    MART_CUSTOMER_RFM: {
        "customers": "count(*)",
        "champions": "count(*) filter (where rfm_segment = 'champions')",
        "at_risk": "count(*) filter (where rfm_segment = 'at risk')",
        "monetary": "sum(monetary)",
        "carts_per_customer": "avg(frequency)",
    },
    MART_CUSTOMER_COHORTS: {
        "cohorts": "count(distinct cohort_month)",
        "customers": "sum(cohort_customers) filter (where months_since = 0)",
        "revenue": "sum(revenue)",
    },
}

COLUMNS = """
select
    attribute.attname,
    format_type(attribute.atttypid, attribute.atttypmod),
    col_description(attribute.attrelid, attribute.attnum),
    not attribute.attnotnull
from pg_attribute as attribute
inner join pg_class as class
    on attribute.attrelid = class.oid
inner join pg_namespace as namespace
    on class.relnamespace = namespace.oid
where namespace.nspname = %s
    and class.relname = %s
    and attribute.attnum > 0
    and not attribute.attisdropped
order by attribute.attnum
"""


def _number(value: Any) -> int | float:
    """A figure as Dagster plots it: ints stay ints, numerics become floats."""
    if isinstance(value, int):
        return value
    return float(value) if isinstance(value, Decimal | float) else 0


def table_metadata(
    cursor: psycopg.Cursor, schema: str, name: str, *, counted: bool = True
) -> dict[str, Any]:
    """`dagster/column_schema` (names, types, dbt's descriptions) and, when `counted`,
    `dagster/row_count`."""
    columns = [
        dg.TableColumn(
            name=column,
            type=data_type,
            description=description,
            constraints=dg.TableColumnConstraints(nullable=nullable),
        )
        for column, data_type, description, nullable in cursor.execute(COLUMNS, (schema, name))
    ]
    metadata: dict[str, Any] = {"dagster/column_schema": dg.TableSchema(columns=columns)}
    if counted:
        [(rows,)] = cursor.execute(
            sql.SQL("select count(*) from {}").format(relation(schema, name))
        )
        metadata["dagster/row_count"] = rows
    return metadata


def headline_figures(cursor: psycopg.Cursor, schema: str, name: str) -> dict[str, int | float]:
    figures = HEADLINE_FIGURES.get(name, {})
    if not figures:
        return {}
    selected = sql.SQL(", ").join(
        sql.SQL("coalesce({}, 0) as {}").format(sql.SQL(expression), sql.Identifier(figure))
        for figure, expression in figures.items()
    )
    row = cursor.execute(
        sql.SQL("select {} from {}").format(selected, relation(schema, name))
    ).fetchone()
    return {figure: _number(value) for figure, value in zip(figures, row or (), strict=True)}


def _daily_revenue(cursor: psycopg.Cursor, table: sql.Composable) -> dict[str, dg.MetadataValue]:
    rows = cursor.execute(
        sql.SQL(
            "select order_date, revenue, avg(revenue) over"
            " (order by order_date rows between 6 preceding and current row)"
            " from {} order by order_date"
        ).format(table)
    ).fetchall()
    return {"revenue_by_day": daily_revenue_chart(rows)}


def _category_revenue(cursor: psycopg.Cursor, table: sql.Composable) -> dict[str, dg.MetadataValue]:
    rows = cursor.execute(
        sql.SQL("select month, category, revenue from {} order by month, category").format(table)
    ).fetchall()
    return {"revenue_by_category_and_month": category_revenue_chart(rows)}


CHARTS: dict[str, Callable[[psycopg.Cursor, sql.Composable], dict[str, dg.MetadataValue]]] = {
    MART_DAILY_REVENUE: _daily_revenue,
    MART_CATEGORY_PERFORMANCE: _category_revenue,
}


def model_metadata(cursor: psycopg.Cursor, node: Mapping[str, Any]) -> dict[str, Any]:
    """Everything above for one dbt model node of the manifest, as it stands in the warehouse.

    A view's rows are not counted, as dagster-dbt's own fetch_row_counts() does not: a view holds
    none, and counting it runs its whole query again (the staging views over every cart's lines:
    2.3 s of a million-cart build, 40% of what the UI's metadata cost)."""
    schema, name = node["schema"], node["alias"]
    chart = CHARTS.get(node["name"])
    counted = node["config"]["materialized"] != "view"
    return {
        **table_metadata(cursor, schema, name, counted=counted),
        **headline_figures(cursor, schema, node["name"]),
        **(chart(cursor, relation(schema, name)) if chart else {}),
    }


def _model_node(event: Any, manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if not isinstance(event, dg.Output | dg.AssetMaterialization):
        return None
    unique_id = event.metadata.get("unique_id")
    node = manifest.get("nodes", {}).get(getattr(unique_id, "value", unique_id))
    return node if node and node.get("resource_type") == "model" else None


def with_model_metadata(
    events: Iterable[Any], manifest: Mapping[str, Any], warehouse: Warehouse
) -> Iterator[Any]:
    """The events of a dbt build, each model's output carrying the metadata above. A query that
    fails leaves that event as dbt made it, with a warning: the model was built all the same."""
    with warehouse.connect() as conn:
        conn.autocommit = True
        for event in events:
            node = _model_node(event, manifest)
            if node is not None:
                started = time.perf_counter()
                try:
                    with conn.cursor() as cursor:
                        extra = model_metadata(cursor, node)
                except psycopg.Error as exc:
                    logger.warning("could not read the metadata of %s: %s", node["name"], exc)
                else:
                    extra[METADATA_SECONDS] = round(time.perf_counter() - started, 3)
                    event = event.with_metadata({**event.metadata, **extra})
            yield event
