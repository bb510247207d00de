"""The source changing records between runs, on the daily path (one day reloaded and what follows
it): the graph keeps running, every check passes, and the warehouse holds the source's current state."""

from __future__ import annotations

import re
from decimal import Decimal

from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.samples import CART, PRODUCT, USER
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize
from fakestore_platform_tests.scripted_api import ScriptedApi

FIRST_RUN = ("--select", "*", "--partition-range", "2020-03-01...2020-03-05")
DAILY_RUN = ("--select", "*", "--partition", "2020-03-04")


def product(product_id: int, price: float) -> dict:
    return PRODUCT | {"id": product_id, "price": price}


def user(user_id: int, city: str) -> dict:
    return USER | {
        "id": user_id,
        "username": f"user{user_id}",
        "address": USER["address"] | {"city": city},
    }


def cart(cart_id: int, day: str, user_id: int, *lines: tuple[int, int]) -> dict:
    return CART | {
        "id": cart_id,
        "userId": user_id,
        "date": f"2020-03-{day}T10:00:00.000Z",
        "products": [{"productId": p, "quantity": q} for p, q in lines],
    }


def assert_every_check_passed(output: str) -> None:
    passed, total = map(int, re.search(r"(\d+) of (\d+) checks passed", output).groups())
    assert passed == total, output


def test_moved_deleted_and_changed_records_leave_a_warehouse_where_every_check_passes(
    platform_env, databases
) -> None:
    """Cart 4 moves from 03-02 to 03-04, cart 6 of 03-04 is deleted, product 3 is withdrawn and user
    2 moves city; the daily run of 03-04 alone brings the warehouse to the source's current state."""
    url = fresh_database(databases, "upstream_changes_test")
    api = ScriptedApi(
        products=[product(1, 10.0), product(2, 5.0), product(3, 1.5)],
        users=[user(1, "Boston"), user(2, "raleigh")],
        carts=[
            cart(1, "01", 1, (1, 2)),
            cart(4, "02", 2, (2, 1)),
            cart(5, "04", 1, (1, 1)),
            cart(6, "04", 2, (3, 4)),
        ],
    )
    with api.serve() as api_url:
        assert_every_check_passed(materialize(url, api_url, *FIRST_RUN))
        api.carts = [
            cart(1, "01", 1, (1, 2)),
            cart(4, "04", 2, (2, 1)),
            cart(5, "04", 1, (1, 1)),
        ]
        api.products = api.products[:2]
        api.users = [user(1, "Boston"), user(2, "Durham")]
        assert_every_check_passed(materialize(url, api_url, *DAILY_RUN))

    with connect(url) as conn:
        assert conn.execute(
            "select cart_id, partition_date::text from bronze.carts order by 1"
        ).fetchall() == [(1, "2020-03-01"), (4, "2020-03-04"), (5, "2020-03-04")]
        assert conn.execute(
            "select cart_id, order_date::text, cart_revenue from core.fact_carts order by 1"
        ).fetchall() == [
            (1, "2020-03-01", Decimal("20.00")),
            (4, "2020-03-04", Decimal("5.00")),
            (5, "2020-03-04", Decimal("10.00")),
        ]
        assert conn.execute(
            "select order_date::text, revenue from marts.mart_daily_revenue where revenue > 0 order by 1"
        ).fetchall() == [("2020-03-01", Decimal("20.00")), ("2020-03-04", Decimal("15.00"))]
        assert conn.execute(
            "select is_current, ended_by_removal from core.dim_products where product_id = 3"
        ).fetchall() == [(False, True)]
        assert conn.execute(
            "select city, is_current from core.dim_users where user_id = 2 order by valid_from"
        ).fetchall() == [("Raleigh", False), ("Durham", True)]  # the API's `raleigh`, normalized
