"""The dashboard's pages: `streamlit run` executes this file (fakestore-platform dashboard starts it).

Every figure comes from the marts, read as fakestore_reader (marts.py). Reads are cached until the
refresh asset writes a new token after the marts update (defs/serve), or for CACHE_SECONDS at most.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from fakestore_platform.dashboard import marts
from fakestore_platform.dashboard.marts import NO_DATA_YET, NoDataYet, Period
from fakestore_platform.defs.serve.refresh import read_refresh_token, refresh_token_file
from fakestore_platform.errors import FakestoreError, SettingsError
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import reader_url

# The longest a figure is served from the cache when no new token says the marts changed (a mart
# rebuilt outside Dagster's automation, say).
CACHE_SECONDS = 900
DEFAULT_PERIOD_DAYS = 30
TOP_PRODUCTS_DEFAULT = 10


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=512)
def _cached(query: str, url: str, token: str, *args: Any) -> Any:
    """A mart read, kept until the token changes: `token` is only part of the key. Errors are
    not cached, so a page retries the warehouse on its next load."""
    return getattr(marts, query)(url, *args)


def money(amount: Decimal | float) -> str:
    return f"${Decimal(amount):,.2f}"


def count(number: Decimal | int) -> str:
    return f"{int(number):,}"


def change(current: Decimal, previous: Decimal) -> str | None:
    """Period over period, as a percentage; None when the previous period had none."""
    if not previous:
        return None
    return f"{(current - previous) / previous:+.1%}"


def _as_floats(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.astype(dict.fromkeys(columns, float))


def _query_date(name: str) -> date | None:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


class Dashboard:
    """One page load: the reader's URL, the cache's token, the sidebar's filters, and the pages."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.span = self.read("span")
        self.period = self._period_filter()
        self.all_categories = self.read("categories")
        self.categories = self._category_filter()

    def read(self, query: str, *args: Any) -> Any:
        return _cached(query, self.url, self.token, *args)

    def _period_filter(self) -> Period:
        first, last = self.span.start, self.span.end
        default = Period(max(first, last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)), last)
        start = min(max(_query_date("start") or default.start, first), last)
        end = max(min(_query_date("end") or default.end, last), start)
        chosen = st.sidebar.date_input(
            "Period",
            value=(start, end),
            min_value=first,
            max_value=last,
            help="The days the headline, daily revenue and category pages show.",
        )
        if isinstance(chosen, tuple) and len(chosen) == 2:
            return Period(*chosen)
        return Period(start, end)  # while the second day is being picked

    def _category_filter(self) -> list[str]:
        chosen = st.sidebar.multiselect(
            "Categories",
            self.all_categories,
            default=self.all_categories,
            help="The categories the category and product pages show.",
        )
        return chosen or self.all_categories

    def headline(self) -> None:
        st.title("Headline figures")
        previous = self.period.previous()
        st.caption(
            f"{self.period.start} to {self.period.end} ({self.period.days} days), against the"
            f" {previous.days} days before: {previous.start} to {previous.end}."
        )
        now = self.read("period_totals", self.period.start, self.period.end)
        before = self.read("period_totals", previous.start, previous.end)
        columns = st.columns(4)
        for column, (key, label, shown) in zip(
            columns,
            (
                ("revenue", "Revenue", money),
                ("carts", "Carts", count),
                ("units", "Units", count),
                ("avg_cart_value", "Average cart", money),
            ),
            strict=True,
        ):
            column.metric(label, shown(now[key]), change(now[key], before[key]))

    def daily_revenue(self) -> None:
        st.title("Daily revenue")
        frame = self.read("daily_revenue", self.period.start, self.period.end)
        if frame.empty:
            st.info("No days in this period.")
            return
        total = sum(frame["revenue"], Decimal(0))
        left, right = st.columns(2)
        left.metric("Revenue in the period", money(total))
        right.metric("7-day average on the last day", money(frame.iloc[-1]["revenue_7d_average"]))
        long = _as_floats(frame, "revenue", "revenue_7d_average").melt(
            id_vars="order_date",
            value_vars=["revenue", "revenue_7d_average"],
            var_name="series",
            value_name="amount",
        )
        long["series"] = long["series"].map(
            {"revenue": "Revenue", "revenue_7d_average": "7-day moving average"}
        )
        chart = (
            alt.Chart(long)
            .mark_line(point=len(frame) <= 62)
            .encode(
                x=alt.X("order_date:T", title="Day"),
                y=alt.Y("amount:Q", title="Revenue ($)"),
                color=alt.Color("series:N", title=None),
                tooltip=["order_date:T", "series:N", alt.Tooltip("amount:Q", format="$,.2f")],
            )
        )
        st.altair_chart(chart, use_container_width=True)
        st.dataframe(
            _as_floats(frame, "revenue", "revenue_7d_average"),
            hide_index=True,
            use_container_width=True,
            column_config={
                "revenue": st.column_config.NumberColumn("Revenue", format="$%.2f"),
                "revenue_7d_average": st.column_config.NumberColumn("7-day avg", format="$%.2f"),
            },
        )

    def category_mix(self) -> None:
        st.title("Category mix by month")
        st.caption("Whole months: every month the period touches.")
        frame = self.read(
            "category_months", self.period.start, self.period.end, tuple(self.categories)
        )
        if frame.empty:
            st.info("No months in this period.")
            return
        st.metric("Revenue of these months", money(sum(frame["revenue"], Decimal(0))))
        shown = _as_floats(frame, "revenue", "month_revenue_share")
        chart = (
            alt.Chart(shown)
            .mark_bar()
            .encode(
                x=alt.X("yearmonth(month):O", title="Month"),
                y=alt.Y("revenue:Q", title="Revenue ($)", stack="zero"),
                color=alt.Color("category:N", title="Category"),
                tooltip=[
                    alt.Tooltip("yearmonth(month):O", title="Month"),
                    "category:N",
                    alt.Tooltip("revenue:Q", format="$,.2f"),
                    alt.Tooltip("month_revenue_share:Q", format=".1%", title="Share"),
                ],
            )
        )
        st.altair_chart(chart, use_container_width=True)
        shares = shown.pivot(index="month", columns="category", values="month_revenue_share")
        st.caption("Each category's share of the month's revenue")
        st.dataframe(shares.style.format("{:.1%}", na_rep=""), use_container_width=True)

    def top_products(self) -> None:
        st.title("Top products")
        st.caption("All-time revenue; the rank within the category is over the whole catalogue.")
        limit = st.slider("Products", 5, 50, TOP_PRODUCTS_DEFAULT, step=5)
        frame = self.read("top_products", tuple(self.categories), limit)
        if frame.empty:
            st.info("No products in these categories.")
            return
        first = frame.iloc[0]
        left, middle, right = st.columns(3)
        left.metric("Top product", first["title"])
        middle.metric("Its revenue", money(first["revenue"]))
        right.metric("Revenue of these products", money(sum(frame["revenue"], Decimal(0))))
        shown = _as_floats(frame, "revenue", "category_revenue_share")
        chart = (
            alt.Chart(shown)
            .mark_bar()
            .encode(
                x=alt.X("revenue:Q", title="Revenue ($)"),
                y=alt.Y("title:N", sort="-x", title=None),
                color=alt.Color("category:N", title="Category"),
                tooltip=["title:N", "category:N", alt.Tooltip("revenue:Q", format="$,.2f")],
            )
        )
        st.altair_chart(chart, use_container_width=True)
        st.dataframe(
            shown,
            hide_index=True,
            use_container_width=True,
            column_config={
                "revenue_rank": "Rank",
                "category_revenue_rank": "Rank in category",
                "revenue": st.column_config.NumberColumn("Revenue", format="$%.2f"),
                "category_revenue_share": st.column_config.NumberColumn(
                    "Share of category", format="percent"
                ),
            },
        )

    def customers(self) -> None:
        st.title("Customers by RFM segment")
        segments = self.read("rfm_segments")
        customers = self.read("rfm_customers")
        left, right = st.columns(2)
        left.metric("Customers", count(segments["customers"].sum()))
        right.metric("Their revenue", money(sum(segments["revenue"], Decimal(0))))
        shown = _as_floats(segments, "revenue", "avg_recency_days", "avg_frequency")
        chart = (
            alt.Chart(shown)
            .mark_bar()
            .encode(
                x=alt.X("customers:Q", title="Customers"),
                y=alt.Y("rfm_segment:N", sort="-x", title=None),
                color=alt.Color("revenue:Q", title="Revenue ($)"),
                tooltip=["rfm_segment:N", "customers:Q", alt.Tooltip("revenue:Q", format="$,.2f")],
            )
        )
        st.altair_chart(chart, use_container_width=True)
        st.dataframe(
            shown,
            hide_index=True,
            use_container_width=True,
            column_config={"revenue": st.column_config.NumberColumn("Revenue", format="$%.2f")},
        )
        chosen = st.multiselect("Segments", list(segments["rfm_segment"]))
        if chosen:
            customers = customers[customers["rfm_segment"].isin(chosen)]
        st.dataframe(
            _as_floats(customers, "monetary"),
            hide_index=True,
            use_container_width=True,
            column_config={"monetary": st.column_config.NumberColumn("Monetary", format="$%.2f")},
        )

    def cohorts(self) -> None:
        st.title("Cohort retention")
        st.caption("Customers by the month of their first cart; the share active each month after.")
        frame = _as_floats(self.read("cohorts"), "retention_share")
        first_months = frame[frame["months_since"] == 0]
        left, right = st.columns(2)
        left.metric("Cohorts", count(len(first_months)))
        right.metric("Customers", count(first_months["cohort_customers"].sum()))
        frame["cohort"] = pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m")
        base = alt.Chart(frame).encode(
            x=alt.X("months_since:O", title="Months since the first cart"),
            y=alt.Y("cohort:O", title="Cohort"),
        )
        heatmap = base.mark_rect().encode(
            color=alt.Color(
                "retention_share:Q",
                title="Retention",
                scale=alt.Scale(scheme="blues", domain=[0, 1]),
            ),
            tooltip=[
                "cohort:O",
                "months_since:O",
                "cohort_customers:Q",
                "active_customers:Q",
                alt.Tooltip("retention_share:Q", format=".1%"),
            ],
        )
        labels = base.mark_text(fontSize=11).encode(
            text=alt.Text("retention_share:Q", format=".0%"),
            color=alt.condition(
                alt.datum.retention_share > 0.5, alt.value("white"), alt.value("black")
            ),
        )
        st.altair_chart(heatmap + labels, use_container_width=True)


def _token(home: Any) -> str:
    """The refresh asset's latest token; before its first run, the cache's own time window."""
    return read_refresh_token(refresh_token_file(home)) or f"window-{time.time() // CACHE_SECONDS}"


def main() -> None:
    st.set_page_config(page_title="Fake Store analytics", page_icon="🛒", layout="wide")
    holder: dict[str, Dashboard] = {}

    def page(name: str) -> Callable[[], None]:
        def show() -> None:
            getattr(holder["dashboard"], name)()

        show.__name__ = name
        return show

    navigation = st.navigation(
        [
            st.Page(page("headline"), title="Headline", default=True),
            st.Page(page("daily_revenue"), title="Daily revenue", url_path="daily_revenue"),
            st.Page(page("category_mix"), title="Category mix", url_path="category_mix"),
            st.Page(page("top_products"), title="Top products", url_path="top_products"),
            st.Page(page("customers"), title="RFM segments", url_path="customers"),
            st.Page(page("cohorts"), title="Cohort retention", url_path="cohorts"),
        ]
    )
    try:
        settings = load_settings()
        holder["dashboard"] = Dashboard(reader_url(settings), _token(settings.home))
        navigation.run()
    except NoDataYet:
        st.info(NO_DATA_YET)
    except SettingsError as exc:
        st.error(str(exc))
    except FakestoreError as exc:
        st.error(
            f"The warehouse cannot be read: {exc}. The dashboard keeps serving: reload this page"
            " once it is back."
        )


if __name__ == "__main__":
    main()
