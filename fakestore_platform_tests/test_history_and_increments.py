"""History and increments: prices at the time of the sale, one day rebuilt without the others."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from dagster_dbt import DagsterDbtTranslator

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.defs.quality.reconciliation import facts_reconcile_with_bronze
from fakestore_platform.defs.transform.project import DBT_EXECUTABLE, dbt_project
from fakestore_platform.defs.transform.resource import FakestoreDbtCli
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize


def fact_indexes(conn) -> list[tuple[str, str]]:
    return conn.execute(
        "select indexname, indexdef from pg_indexes where schemaname = 'core' and tablename like 'fact%' order by 1"
    ).fetchall()


@dataclasses.dataclass(frozen=True)
class Repriced:
    """A warehouse built twice, the store repricing product 1 between the two runs."""

    url: str
    old_price: Decimal
    new_price: Decimal
    revenue_before: dict[int, Decimal]
    indexes: list[tuple[str, str]]


@pytest.fixture(scope="module")
def repriced(platform_env, databases) -> Repriced:
    """The carts span yesterday and today, so some come after the second run unless the UTC day is
    ending."""
    url = fresh_database(databases, "history_test")
    today = datetime.now(UTC).date()
    store = EmulatorConfig(
        products=2, users=5, carts=3000, start=today - timedelta(days=1), days=2, seed=21
    )
    everything = ("--select", "*", "--partition-range", f"{today - timedelta(days=1)}...{today}")
    with serve_in_background(store) as api_url:
        materialize(url, api_url, *everything)
    with connect(url) as conn:
        (old_price,) = conn.execute(
            "select price from core.dim_products where product_id = 1"
        ).fetchone()
        revenue_before = dict(
            conn.execute("select cart_id, cart_revenue from core.fact_carts").fetchall()
        )
        indexes = fact_indexes(conn)
    new_price = (old_price * 2 + Decimal("0.01")).quantize(Decimal("0.01"))
    with serve_in_background(
        dataclasses.replace(store, repriced=((1, float(new_price)),))
    ) as api_url:
        materialize(url, api_url, *everything)
    return Repriced(url, old_price, new_price, revenue_before, indexes)


def test_a_price_change_keeps_old_carts_revenue_and_prices_new_carts_anew(
    repriced: Repriced,
) -> None:
    """Carts ordered before the second extraction keep the old price and revenue; carts ordered
    after it (later today) take the new one."""
    url, old_price, new_price = repriced.url, repriced.old_price, repriced.new_price
    revenue_before, indexes = repriced.revenue_before, repriced.indexes
    with connect(url) as conn:
        (repriced_at,) = conn.execute("select max(extracted_at) from bronze.products").fetchone()
        versions = conn.execute(
            "select price, valid_from <= '1901-01-01', is_current from core.dim_products where product_id = 1 order by valid_from"
        ).fetchall()
        lines = conn.execute(
            "select ordered_at < %s, unit_price, count(*) from core.fact_cart_items where product_id = 1 group by 1, 2",
            (repriced_at,),
        ).fetchall()
        revenue_after = dict(
            conn.execute(
                "select cart_id, cart_revenue from core.fact_carts where ordered_at < %s",
                (repriced_at,),
            ).fetchall()
        )
        # The second run rebuilt every day, so it dropped the facts' keys and indexes and built
        # them again (macro get_incremental_bulk_append_sql): all back, and the keys still hold.
        assert fact_indexes(conn) == indexes
        assert {"fact_carts_pkey", "fact_cart_items_pkey"} <= {name for name, _ in indexes}
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("insert into core.fact_carts select * from core.fact_carts limit 1")
    assert versions == [(old_price, True, False), (new_price, False, True)]
    assert {(before, price) for before, price, _ in lines} == {
        (True, old_price),
        (False, new_price),
    }
    assert revenue_after == {
        cart: revenue for cart, revenue in revenue_before.items() if cart in revenue_after
    }
    assert len(revenue_after) == len([c for c in revenue_before if c in revenue_after]) > 0


POINT_IN_TIME_TEST = "assert_facts_take_the_versions_in_effect_at_ordered_at"


def point_in_time_failures(url: str, home: str) -> int:
    """The failing rows of dbt's point-in-time test over every day of the facts."""
    dbt = FakestoreDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
    run = dbt.cli(
        ["test", "--select", POINT_IN_TIME_TEST],
        env=Warehouse(url=url, home=home).dbt_env(),
        manifest=json.loads(dbt_project.manifest_path.read_text()),
        dagster_dbt_translator=DagsterDbtTranslator(),
        raise_on_error=False,
    ).wait()
    (result,) = run.get_artifact("run_results.json")["results"]
    return result["failures"]


# The tables the tests below change for a while: the facts and the product versions.
CHANGED_TABLES = ("core.fact_cart_items", "core.fact_carts", "core.dim_products")


@contextmanager
def restored_afterwards(url: str) -> Iterator[psycopg.Connection]:
    """A connection whose changes commit at once, for dbt and the checks to see, and whose changed
    tables are put back as they were when the block ends."""
    with connect(url, autocommit=True) as conn:
        for number, changed in enumerate(CHANGED_TABLES):
            conn.execute(f"create temporary table kept_{number} as select * from {changed}")
        try:
            yield conn
        finally:
            for number, changed in enumerate(CHANGED_TABLES):
                conn.execute(f"delete from {changed}")
                conn.execute(f"insert into {changed} select * from kept_{number}")


@contextmanager
def wrong_versions(url: str) -> Iterator[None]:
    """Until the block ends: a line before the reprice priced with the new version, a line and a
    cart pointing at another user's version; each a row the point-in-time test must name."""
    with restored_afterwards(url) as conn:
        (repriced_at,) = conn.execute("select max(extracted_at) from bronze.products").fetchone()
        (repriced_line,) = conn.execute(
            "select cart_item_id from core.fact_cart_items"
            " where product_id = 1 and ordered_at < %s order by cart_item_id limit 1",
            (repriced_at,),
        ).fetchone()
        other_line, line_user_sk = conn.execute(
            "select cart_item_id, user_sk from core.fact_cart_items"
            " where cart_item_id != %s order by cart_item_id limit 1",
            (repriced_line,),
        ).fetchone()
        cart_id, cart_user_sk = conn.execute(
            "select cart_id, user_sk from core.fact_carts order by cart_id limit 1"
        ).fetchone()
        (new_sk, new_price) = conn.execute(
            "select product_sk, price from core.dim_products where product_id = 1 and is_current"
        ).fetchone()
        conn.execute(
            "update core.fact_cart_items set product_sk = %s, unit_price = %s,"
            " line_revenue = round(quantity * %s, 2) where cart_item_id = %s",
            (new_sk, new_price, new_price, repriced_line),
        )
        another_user = "(select user_sk from core.dim_users where user_sk != %s limit 1)"
        conn.execute(
            f"update core.fact_cart_items set user_sk = {another_user} where cart_item_id = %s",
            (line_user_sk, other_line),
        )
        conn.execute(
            f"update core.fact_carts set user_sk = {another_user} where cart_id = %s",
            (cart_user_sk, cart_id),
        )
        yield


def test_the_point_in_time_test_names_each_line_or_cart_on_the_wrong_version(
    repriced: Repriced, settings
) -> None:
    home = str(settings.home)
    assert point_in_time_failures(repriced.url, home) == 0
    with wrong_versions(repriced.url):
        assert point_in_time_failures(repriced.url, home) == 3
    assert point_in_time_failures(repriced.url, home) == 0


@contextmanager
def a_version_between(url: str) -> Iterator[int]:
    """Until the block ends: product 1 with a third version, starting halfway through the lines
    priced with its first, and those lines moved onto it; yields how many moved."""
    with restored_afterwards(url) as conn:
        (repriced_at,) = conn.execute("select max(extracted_at) from bronze.products").fetchone()
        (halfway,) = conn.execute(
            "select percentile_disc(0.5) within group (order by ordered_at)"
            " from core.fact_cart_items where product_id = 1 and ordered_at < %s",
            (repriced_at,),
        ).fetchone()
        conn.execute(
            "create temporary table middle as select * from core.dim_products"
            " where product_id = 1 and valid_from < '1901-01-01'"
        )
        conn.execute(
            "update middle set product_sk = md5('middle'), valid_from = %s, price = price + 1",
            (halfway,),
        )
        conn.execute("insert into core.dim_products select * from middle")
        moved = conn.execute(
            "update core.fact_cart_items as line"
            " set (product_sk, unit_price, line_revenue) ="
            " (middle.product_sk, middle.price, round(line.quantity * middle.price, 2))"
            " from middle where line.product_id = 1"
            " and line.ordered_at >= %s and line.ordered_at < %s",
            (halfway, repriced_at),
        ).rowcount
        yield moved


def test_the_point_in_time_test_ends_each_version_where_the_next_one_starts(
    repriced: Repriced, settings
) -> None:
    """Three versions: the lines moved onto the middle one are right, and no line of the first
    version's span is compared with a version that has not started or has already ended."""
    with a_version_between(repriced.url) as moved:
        assert moved > 0
        assert point_in_time_failures(repriced.url, str(settings.home)) == 0


def test_facts_reconcile_with_bronze_at_the_price_of_each_carts_time(
    repriced: Repriced, settings
) -> None:
    """The check prices bronze's lines itself: carts before the first extraction at the first
    batch's price, the others at the batch in effect when they were ordered. A line priced with
    the other version breaks the totals."""
    warehouse = Warehouse(url=repriced.url, home=str(settings.home))
    passing = facts_reconcile_with_bronze(warehouse=warehouse)
    assert passing.passed, passing.metadata
    with wrong_versions(repriced.url):
        failing = facts_reconcile_with_bronze(warehouse=warehouse)
    assert not failing.passed
    assert failing.metadata["revenue"].value != failing.metadata["revenue_in_bronze"].value
    assert failing.metadata["units"].value == failing.metadata["units_in_bronze"].value


def test_a_one_day_run_rewrites_that_day_and_no_other(platform_env, databases) -> None:
    url = fresh_database(databases, "increment_test")
    # Five days are enough: the day rebuilt has days on either side that must stay untouched.
    store = EmulatorConfig(products=20, users=30, carts=500, days=5, seed=5)
    with serve_in_background(store) as api_url:
        materialize(url, api_url, "--select", "*", "--partition-range", "2020-01-01...2020-01-05")
        # xmin is the transaction that wrote a row: unchanged means the row was not rewritten.
        query = (
            "select order_date = '2020-01-03', cart_item_id, xmin::text from core.fact_cart_items"
        )
        with connect(url) as conn:
            before = conn.execute(query).fetchall()
        materialize(url, api_url, "--select", 'key:"bronze/carts"+', "--partition", "2020-01-03")
        with connect(url) as conn:
            after = conn.execute(query).fetchall()
            (days_in_facts,) = conn.execute(
                "select count(distinct order_date) from core.fact_cart_items"
            ).fetchone()
    other_days = {row for row in before if not row[0]}
    assert other_days and other_days <= set(after)  # every other day's row untouched
    that_day_before = {(item, xmin) for on_day, item, xmin in before if on_day}
    that_day_after = {(item, xmin) for on_day, item, xmin in after if on_day}
    assert {item for item, _ in that_day_after} == {item for item, _ in that_day_before} != set()
    assert not that_day_before & that_day_after  # the day itself was rewritten
    assert len(after) == len(before)
    assert days_in_facts == 5
