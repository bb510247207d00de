"""The marts' analytics rules on a store made by hand, built once by a whole-graph run: RFM scores by
rank (equal behaviour, equal scores), category months without gaps, cities grouped whatever the
API's case, every description in PostgreSQL's catalog, and what the run recorded in Dagster of each
model: rows and columns, and the marts' headline figures and charts."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import dagster as dg
import pytest
from psycopg import sql

from fakestore_platform.cli import printed_run_id
from fakestore_platform.defs.transform.model_metadata import HEADLINE_FIGURES
from fakestore_platform.defs.transform.project import dbt_project
from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.samples import CART, PRODUCT, USER, WHOLE_PRICE_PRODUCT
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize
from fakestore_platform_tests.scripted_api import ScriptedApi

# From the first cart's day to the last's: each partition more is Dagster's work, not the marts'.
EVERYTHING = ("--select", "*", "--partition-range", "2020-01-15...2020-03-12")
SHIRT, BRACELET = PRODUCT["id"], WHOLE_PRICE_PRODUCT["id"]  # 109.95 men's clothing, 695 jewelery


def user(user_id: int, city: str) -> dict[str, Any]:
    return USER | {
        "id": user_id,
        "username": f"customer{user_id}",
        "address": USER["address"] | {"city": city},
    }


def cart(cart_id: int, user_id: int, moment: str, *lines: tuple[int, int]) -> dict[str, Any]:
    return CART | {
        "id": cart_id,
        "userId": user_id,
        "date": f"2020-{moment}:00.000Z",
        "products": [{"productId": product, "quantity": quantity} for product, quantity in lines],
    }


# Customers 1 and 2 behave alike: one cart each, on the same day, for the same amount. Customer 4
# spent what they did, long before. Nothing sells in February, no bracelet in January.
STORE = ScriptedApi(
    products=[PRODUCT, WHOLE_PRICE_PRODUCT],
    users=[
        user(1, "Boston"),
        user(2, "boston"),
        user(3, "  raleigh "),
        user(4, "el paso"),
        user(5, "FORT WAYNE"),
    ],
    carts=[
        cart(1, 1, "03-10T09:00", (SHIRT, 1)),
        cart(2, 2, "03-10T15:00", (SHIRT, 1)),
        cart(3, 3, "01-15T10:00", (SHIRT, 2)),
        cart(4, 3, "03-12T10:00", (BRACELET, 1)),
        cart(5, 4, "01-20T10:00", (SHIRT, 1)),
        cart(6, 5, "03-01T10:00", (SHIRT, 1), (BRACELET, 1)),
    ],
)


@pytest.fixture(scope="module")
def built(platform_env, databases) -> tuple[str, str]:
    """The warehouse's URL and the id of the run that built it."""
    url = fresh_database(databases, "marts_analytics_test")
    with STORE.serve() as api_url:
        out = materialize(url, api_url, *EVERYTHING)
    passed, total = map(int, re.search(r"(\d+) of (\d+) checks passed", out).groups())
    assert passed == total > 80, out
    return url, printed_run_id(out)


@pytest.fixture(scope="module")
def warehouse(built) -> str:
    return built[0]


def test_customers_who_behave_alike_get_equal_rfm_scores_and_segment(warehouse) -> None:
    """Five customers, so a score is the customer's rank (1 + those strictly worse): customers 1
    and 2 tie on all three measures, customers 1, 2, 4 and 5 on frequency, 1, 2 and 4 on monetary."""
    with connect(warehouse) as conn:
        rows = conn.execute(
            "select user_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_segment"
            " from marts.mart_customer_rfm order by user_id"
        ).fetchall()
    assert rows == [
        (1, 2, 1, Decimal("109.95"), 3, 1, 1, "needs attention"),
        (2, 2, 1, Decimal("109.95"), 3, 1, 1, "needs attention"),
        (3, 0, 2, Decimal("914.90"), 5, 5, 5, "champions"),
        (4, 52, 1, Decimal("109.95"), 1, 1, 1, "lost"),
        (5, 11, 1, Decimal("804.95"), 2, 1, 4, "needs attention"),
    ]


def test_every_category_sold_has_every_month_of_the_span_zeros_included(warehouse) -> None:
    with connect(warehouse) as conn:
        rows = conn.execute(
            "select category, month, revenue, units, carts, month_revenue_share"
            " from marts.mart_category_performance order by category, month"
        ).fetchall()
    january, february, march = date(2020, 1, 1), date(2020, 2, 1), date(2020, 3, 1)
    march_revenue = Decimal("329.85") + Decimal("1390.00")

    def share(revenue: str) -> Decimal:
        return (Decimal(revenue) / march_revenue).quantize(Decimal("0.000001"), ROUND_HALF_UP)

    assert rows == [
        ("jewelery", january, Decimal("0.00"), 0, 0, Decimal("0.000000")),
        ("jewelery", february, Decimal("0.00"), 0, 0, None),
        ("jewelery", march, Decimal("1390.00"), 2, 2, share("1390.00")),
        ("men's clothing", january, Decimal("329.85"), 3, 2, Decimal("1.000000")),
        ("men's clothing", february, Decimal("0.00"), 0, 0, None),
        ("men's clothing", march, Decimal("329.85"), 3, 3, share("329.85")),
    ]


def test_a_city_spelled_in_any_case_is_one_city(warehouse) -> None:
    with connect(warehouse) as conn:
        cities = conn.execute(
            "select user_id, city from core.dim_users where user_id > 0 order by user_id"
        ).fetchall()
        boston = conn.execute(
            "select order_date, category, carts, units_sold, gross_revenue"
            " from marts.mart_sales_overview where customer_city = 'Boston'"
        ).fetchall()
        served = conn.execute(
            "select payload -> 'address' ->> 'city' from bronze.users where user_id = 3"
        ).fetchall()
    assert cities == [
        (1, "Boston"),
        (2, "Boston"),
        (3, "Raleigh"),
        (4, "El Paso"),
        (5, "Fort Wayne"),
    ]
    assert boston == [(date(2020, 3, 10), "men's clothing", 2, 2, Decimal("219.90"))]
    assert served == [("  raleigh ",)]  # bronze keeps what the API served


def test_model_and_column_descriptions_reach_postgresql(warehouse) -> None:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    models = {node["name"]: node for node in manifest["nodes"].values()}
    described = [
        ("marts", "mart_customer_rfm", "r_score"),
        ("core", "fact_cart_items", "unit_price"),
        ("staging", "stg_user_batches", "city"),
    ]
    with connect(warehouse) as conn:
        found = {
            (schema, model, column): conn.execute(
                "select obj_description(%(relation)s::regclass, 'pg_class'),"
                " col_description(%(relation)s::regclass, attnum)"
                " from pg_attribute where attrelid = %(relation)s::regclass and attname = %(column)s",
                {"relation": f"{schema}.{model}", "column": column},
            ).fetchone()
            for schema, model, column in described
        }
    assert found == {
        (schema, model, column): (
            models[model]["description"],
            models[model]["columns"][column]["description"],
        )
        for schema, model, column in described
    }
    assert "Scores by rank" in found[described[0]][0]


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART = re.compile(r"^!\[[^\]]+\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)$")


@pytest.fixture(scope="module")
def model_metadata(built) -> dict[str, dict[str, Any]]:
    """Each dbt model's materialization metadata in the run, by model name (a partitioned fact's
    partitions all carry the same)."""
    _, run_id = built
    with dg.DagsterInstance.get() as instance:
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
        ).records
    return {
        materialization.asset_key.path[-1]: materialization.metadata
        for materialization in (record.asset_materialization for record in records)
        if materialization.asset_key.path[0] in {"staging", "core", "marts"}
    }


def _dbt_models() -> dict[str, tuple[str, str, str]]:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return {
        node["name"]: (node["schema"], node["alias"], node["config"]["materialized"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def test_every_dbt_model_records_its_columns_and_every_table_its_row_count(
    warehouse, model_metadata
) -> None:
    """A view's rows are not counted (as dagster-dbt's fetch_row_counts does not): that would run
    its whole query again."""
    models = _dbt_models()
    assert set(model_metadata) == set(models)
    assert {materialized for _, _, materialized in models.values()} >= {"view", "table"}
    with connect(warehouse) as conn:
        for name, (schema, alias, materialized) in models.items():
            metadata = model_metadata[name]
            table = sql.Identifier(schema, alias)
            if materialized == "view":
                assert "dagster/row_count" not in metadata, name
                rows = None
            else:
                [(rows,)] = conn.execute(sql.SQL("select count(*) from {}").format(table))
            columns = [
                row[0]
                for row in conn.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, alias),
                )
            ]
            if rows is not None:
                assert metadata["dagster/row_count"].value == rows, name
            schema_value = metadata["dagster/column_schema"].value
            assert [column.name for column in schema_value.columns] == columns != [], name
    assert model_metadata["mart_customer_rfm"]["dagster/row_count"].value == 5


def test_every_mart_records_its_headline_figures_as_numbers_equal_to_sql(
    warehouse, model_metadata
) -> None:
    marts = {name for name, (schema, _, _) in _dbt_models().items() if schema == "marts"}
    assert set(HEADLINE_FIGURES) == marts
    with connect(warehouse) as conn:
        for mart, figures in HEADLINE_FIGURES.items():
            row = conn.execute(
                sql.SQL("select {} from {}").format(
                    sql.SQL(", ").join(sql.SQL(expression) for expression in figures.values()),
                    sql.Identifier("marts", mart),
                )
            ).fetchone()
            recorded = {figure: model_metadata[mart][figure] for figure in figures}
            assert all(
                isinstance(value, dg.IntMetadataValue | dg.FloatMetadataValue)
                for value in recorded.values()
            ), mart
            assert {figure: value.value for figure, value in recorded.items()} == pytest.approx(
                {figure: float(value) for figure, value in zip(figures, row, strict=True)}
            ), mart
    daily = model_metadata["mart_daily_revenue"]
    assert daily["revenue"].value == pytest.approx(329.85 + 329.85 + 1390.00)
    assert daily["carts"].value == 6
    assert model_metadata["mart_customer_rfm"]["champions"].value == 1


@pytest.mark.parametrize(
    ("mart", "chart"),
    [
        ("mart_daily_revenue", "revenue_by_day"),
        ("mart_category_performance", "revenue_by_category_and_month"),
    ],
)
def test_the_revenue_charts_are_png_images_in_markdown(model_metadata, mart, chart) -> None:
    value = model_metadata[mart][chart]
    assert isinstance(value, dg.MarkdownMetadataValue)
    [encoded] = CHART.match(value.value).groups()
    png = base64.b64decode(encoded, validate=True)
    assert png.startswith(PNG_SIGNATURE)
    width, height = int.from_bytes(png[16:20]), int.from_bytes(png[20:24])  # the IHDR chunk
    assert (width, height) == (1000, 400)
    assert 5_000 < len(png) < 200_000
