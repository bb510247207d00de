"""What the dashboard's pages read from the marts, as fakestore_reader, one query per figure set.

The pages never see a connection or a psycopg error: a missing or empty mart is NoDataYet, an
unreachable server a WarehouseError with one line to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import psycopg
from psycopg.rows import dict_row

from fakestore_platform.errors import FakestoreError
from fakestore_platform.warehouse.connection import connect, warehouse_errors

# An analyst waits this long for an unreachable server, not libpq's default of forever.
CONNECT_TIMEOUT_SECONDS = 5
NO_DATA_YET = "No data yet — run make demo (or materialize the marts) and reload this page."


class NoDataYet(FakestoreError):
    """The marts are missing or empty: nothing has been built yet."""

    def __init__(self) -> None:
        super().__init__(NO_DATA_YET)


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of as many days just before this one: what a change is measured against."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def read(url: str, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rows of `query` as a frame, read in a read-only transaction of its own."""
    with (
        warehouse_errors(),
        connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS, row_factory=dict_row) as conn,
    ):
        conn.read_only = True
        try:
            cursor = conn.execute(query, params or {})
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
            raise NoDataYet() from None
        columns = [column.name for column in cursor.description or ()]
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def span(url: str) -> Period:
    """The days the marts cover; NoDataYet when they hold no day."""
    frame = read(
        url,
        "select min(order_date) as first, max(order_date) as last from marts.mart_daily_revenue",
    )
    first, last = frame.iloc[0]["first"], frame.iloc[0]["last"]
    if first is None or pd.isna(first):
        raise NoDataYet()
    return Period(first, last)


def categories(url: str) -> list[str]:
    frame = read(
        url,
        "select distinct category from marts.mart_category_performance order by category",
    )
    return list(frame["category"])


def period_totals(url: str, start: date, end: date) -> dict[str, Decimal]:
    """Revenue, carts and units of the period's days, and the average cart's value."""
    frame = read(
        url,
        """
        select
            coalesce(sum(revenue), 0) as revenue,
            coalesce(sum(carts), 0) as carts,
            coalesce(sum(units), 0) as units
        from marts.mart_daily_revenue
        where order_date between %(start)s and %(end)s
        """,
        {"start": start, "end": end},
    )
    row = frame.iloc[0]
    revenue, carts, units = Decimal(row["revenue"]), Decimal(row["carts"]), Decimal(row["units"])
    average = (
        (revenue / carts).quantize(Decimal("0.01"), ROUND_HALF_UP) if carts else Decimal("0.00")
    )
    return {"revenue": revenue, "carts": carts, "units": units, "avg_cart_value": average}


def daily_revenue(url: str, start: date, end: date) -> pd.DataFrame:
    """Each day's revenue and its 7-day moving average: the mart's 7-day sum over the days it
    spans (fewer than 7 on the first days since the first sale), computed before the filter."""
    return read(
        url,
        """
        with averaged as (
            select
                order_date,
                revenue,
                carts,
                round(
                    revenue_7d_moving / least(7, row_number() over (order by order_date)), 2
                ) as revenue_7d_average
            from marts.mart_daily_revenue
        )
        select
            order_date,
            revenue,
            revenue_7d_average,
            carts
        from averaged
        where order_date between %(start)s and %(end)s
        order by order_date
        """,
        {"start": start, "end": end},
    )


def category_months(url: str, start: date, end: date, chosen: tuple[str, ...]) -> pd.DataFrame:
    """Each chosen category's revenue and share in the months the period touches."""
    return read(
        url,
        """
        select
            month,
            category,
            revenue,
            units,
            month_revenue_share
        from marts.mart_category_performance
        where month between date_trunc('month', %(start)s::date)::date and %(end)s
            and category = any(%(categories)s)
        order by month, category
        """,
        {"start": start, "end": end, "categories": list(chosen)},
    )


def top_products(url: str, chosen: tuple[str, ...], limit: int) -> pd.DataFrame:
    """The best-selling products of the chosen categories, with their rank in their category."""
    return read(
        url,
        """
        select
            revenue_rank,
            title,
            category,
            category_revenue_rank,
            revenue,
            units,
            category_revenue_share
        from marts.mart_product_performance
        where category = any(%(categories)s)
        order by revenue_rank, product_id
        limit %(limit)s
        """,
        {"categories": list(chosen), "limit": limit},
    )


def rfm_segments(url: str) -> pd.DataFrame:
    return read(
        url,
        """
        select
            rfm_segment,
            count(*) as customers,
            sum(monetary) as revenue,
            round(avg(recency_days), 1) as avg_recency_days,
            round(avg(frequency), 1) as avg_frequency
        from marts.mart_customer_rfm
        group by rfm_segment
        order by revenue desc, rfm_segment
        """,
    )


def rfm_customers(url: str) -> pd.DataFrame:
    return read(
        url,
        """
        select
            username,
            rfm_segment,
            recency_days,
            frequency,
            monetary,
            r_score,
            f_score,
            m_score
        from marts.mart_customer_rfm
        order by monetary desc, username
        """,
    )


def cohorts(url: str) -> pd.DataFrame:
    return read(
        url,
        """
        select
            cohort_month,
            months_since,
            cohort_customers,
            active_customers,
            retention_share
        from marts.mart_customer_cohorts
        order by cohort_month, months_since
        """,
    )
