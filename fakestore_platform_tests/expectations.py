"""What the warehouse must hold, computed independently from the API's own responses."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import psycopg

CENT = Decimal("0.01")


def normalized_city(city: str) -> str:
    """PostgreSQL's initcap(btrim(city)), as staging normalizes it: each run of letters and digits
    capitalized, the rest of it lower case, surrounding spaces dropped."""
    return re.sub(r"[^\W_]+", lambda word: word[0].capitalize(), city.strip(" "))


@dataclass(frozen=True)
class ApiData:
    products: list[dict[str, Any]]
    users: list[dict[str, Any]]
    carts: list[dict[str, Any]]

    @classmethod
    def fetch(cls, api_url: str) -> ApiData:
        get = lambda path: httpx.get(f"{api_url}{path}", timeout=30).json()  # noqa: E731
        return cls(products=get("/products"), users=get("/users"), carts=get("/carts"))

    @property
    def cart_lines(self) -> int:
        return sum(len(cart["products"]) for cart in self.carts)

    def sales_overview(self) -> dict[tuple[date, str, str], tuple[int, int, Decimal]]:
        """(order_date, category, customer_city) -> (carts, units_sold, gross_revenue), to the cent."""
        products = {p["id"]: p for p in self.products}
        cities = {u["id"]: normalized_city(u["address"]["city"]) for u in self.users}
        carts: dict[tuple, set[int]] = defaultdict(set)
        units: dict[tuple, int] = defaultdict(int)
        revenue: dict[tuple, Decimal] = defaultdict(Decimal)
        for cart in self.carts:
            day = datetime.fromisoformat(cart["date"]).astimezone(UTC).date()
            for line in cart["products"]:
                product = products[line["productId"]]
                key = (day, product["category"], cities[cart["userId"]])
                carts[key].add(cart["id"])
                units[key] += line["quantity"]
                revenue[key] += line["quantity"] * Decimal(str(product["price"]))
        return {key: (len(carts[key]), units[key], revenue[key].quantize(CENT)) for key in carts}


def row_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows in every table and view of the warehouse's layers."""
    tables = conn.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
        " where table_schema in ('bronze', 'staging', 'core', 'marts')"
    ).fetchall()
    return {name: conn.execute(f"select count(*) from {name}").fetchone()[0] for (name,) in tables}


def assert_warehouse_matches_api(conn: psycopg.Connection, api: ApiData) -> None:
    counts = row_counts(conn)
    latest = "where extracted_at = (select max(extracted_at) from bronze.{0})"
    assert conn.execute(
        "select count(*) from bronze.products " + latest.format("products")
    ).fetchone()[0] == len(api.products)
    assert conn.execute("select count(*) from bronze.users " + latest.format("users")).fetchone()[
        0
    ] == len(api.users)
    assert counts["bronze.carts"] == len(api.carts)
    assert counts["bronze.rejected_records"] == 0
    for table, expected in {
        "staging.stg_carts": len(api.carts),
        "core.dim_products": len(api.products) + 1,  # and the unknown member
        "core.dim_users": len(api.users) + 1,
        "core.fact_carts": len(api.carts),
        "core.fact_cart_items": api.cart_lines,
    }.items():
        assert counts[table] == expected, table
    mart = {
        (day, category, city): (carts, units, revenue)
        for day, category, city, carts, units, revenue in conn.execute(
            "select order_date, category, customer_city, carts, units_sold, gross_revenue from marts.mart_sales_overview"
        )
    }
    assert mart == api.sales_overview()


def assert_no_password_anywhere(conn: psycopg.Connection, passwords: list[str]) -> None:
    """No user's password in any column of any table or view, in any schema of the warehouse."""
    relations = conn.execute(
        "select format('%I.%I', table_schema, table_name) from information_schema.tables"
        " where table_schema not in ('pg_catalog', 'information_schema')"
    ).fetchall()
    assert len(relations) >= 14
    for (relation,) in relations:
        for password in passwords:
            hits = conn.execute(
                f"select count(*) from {relation} as r where strpos(r::text, %s) > 0", (password,)
            ).fetchone()[0]
            assert hits == 0, f"a password appears in {relation}"


@dataclass(frozen=True)
class SoldLine:
    cart_id: int
    user_id: int
    product_id: int
    day: date
    category: str
    quantity: int
    revenue: Decimal


def sold_lines(api: ApiData) -> list[SoldLine]:
    """Every cart line at the API's current prices (one extraction: no price history yet)."""
    products = {p["id"]: p for p in api.products}
    return [
        SoldLine(
            cart_id=cart["id"],
            user_id=cart["userId"],
            product_id=line["productId"],
            day=datetime.fromisoformat(cart["date"]).astimezone(UTC).date(),
            category=products[line["productId"]]["category"],
            quantity=line["quantity"],
            revenue=(
                line["quantity"] * Decimal(str(products[line["productId"]]["price"]))
            ).quantize(CENT),
        )
        for cart in api.carts
        for line in cart["products"]
    ]


def totals_by(lines: list[SoldLine], key: Any) -> dict[Any, tuple[Decimal, int, int]]:
    """key(line) -> (revenue, units, distinct carts), the way every mart sums the facts."""
    revenue: dict[Any, Decimal] = defaultdict(Decimal)
    units: dict[Any, int] = defaultdict(int)
    carts: dict[Any, set[int]] = defaultdict(set)
    for line in lines:
        k = key(line)
        revenue[k] += line.revenue
        units[k] += line.quantity
        carts[k].add(line.cart_id)
    return {k: (revenue[k], units[k], len(carts[k])) for k in revenue}
