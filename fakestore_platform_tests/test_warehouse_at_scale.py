"""The warehouse at scale: 100,000 carts, every check passing, every mart equal to the figures
computed here from the API's own responses."""

import re

import pytest

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.expectations import ApiData, sold_lines, totals_by
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize

pytestmark = pytest.mark.slow

STORE = EmulatorConfig(products=200, users=2000, carts=100_000, days=366, seed=77)


def test_a_hundred_thousand_carts_build_every_mart_to_the_figures_of_the_api(
    platform_env, databases
) -> None:
    url = fresh_database(databases, "scale_test")
    with serve_in_background(STORE) as api_url:
        out = materialize(
            url, api_url, "--select", "*", "--partition-range", "2020-01-01...2020-12-31"
        )
        lines = sold_lines(ApiData.fetch(api_url))
    assert len({line.cart_id for line in lines}) == STORE.carts
    # Every dbt test and Python check, reconciliation included, passed (not only the blocking ones).
    passed, total = map(int, re.search(r"; (\d+) of (\d+) checks passed", out).groups())
    assert passed == total > 100
    with connect(url) as conn:
        daily = {day: (revenue, units, carts) for day, revenue, units, carts in conn.execute(
            "select order_date, revenue, units, carts from marts.mart_daily_revenue where carts > 0")}  # fmt: skip
        products = {pid: (revenue, units, carts) for pid, revenue, units, carts in conn.execute(
            "select product_id, revenue, units, carts from marts.mart_product_performance")}  # fmt: skip
        categories = {(cat, month): (revenue, units, carts) for cat, month, revenue, units, carts in conn.execute(
            "select category, month, revenue, units, carts from marts.mart_category_performance where carts > 0")}  # fmt: skip
        customers = {user: (monetary, frequency) for user, monetary, frequency in conn.execute(
            "select user_id, monetary, frequency from marts.mart_customer_rfm")}  # fmt: skip
    assert daily == totals_by(lines, lambda line: line.day)
    assert products == totals_by(lines, lambda line: line.product_id)
    assert categories == totals_by(lines, lambda line: (line.category, line.day.replace(day=1)))
    assert customers == {
        user: (revenue, carts)
        for user, (revenue, _, carts) in totals_by(lines, lambda line: line.user_id).items()
    }
