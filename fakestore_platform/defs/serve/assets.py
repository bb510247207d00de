"""The dashboard in the asset graph: downstream of the marts it reads, so lineage reaches it and
automation tells it when to drop its cache."""

from pathlib import Path

import dagster as dg
from psycopg import sql
from pydantic import Field

from fakestore_platform.defs.serve.refresh import refresh_token_file, write_refresh_token
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.catalog import MARTS, relation
from fakestore_platform.warehouse.resource import Warehouse

AC = dg.AutomationCondition

# The marts the dashboard's pages read.
DASHBOARD_MARTS = (
    "mart_daily_revenue",
    "mart_category_performance",
    "mart_product_performance",
    "mart_customer_rfm",
    "mart_customer_cohorts",
)
DASHBOARD_REFRESH = dg.AssetKey(["dashboard", "marts_refresh"])


class DashboardCache(dg.ConfigurableResource):
    """Where the dashboard's refresh token is written; the dashboard reads the same file."""

    token_file: str = Field(description="The file under FAKESTORE_HOME the dashboard keys on.")

    @classmethod
    def from_settings(cls, settings: Settings) -> "DashboardCache":
        return cls(token_file=str(refresh_token_file(settings.home)))


def follows_the_marts() -> dg.AutomationCondition:
    """Refresh once any mart it reads updated, when all of them exist and none is being rebuilt:
    a dbt build rebuilds several marts, and the dashboard should drop its cache once, after it."""
    return (
        (AC.newly_missing() | AC.any_deps_updated())
        .since_last_handled()
        .with_label("a mart updated")
        & ~AC.any_deps_missing().with_label("every mart exists")
        & ~AC.any_deps_in_progress()
        & ~AC.in_progress()
    ).with_label("follows the marts")


@dg.asset(
    key=DASHBOARD_REFRESH,
    deps=[dg.AssetKey([MARTS, name]) for name in DASHBOARD_MARTS],
    group_name="dashboard",
    kinds={"streamlit"},
    automation_condition=follows_the_marts(),
    # Part of every partition-range run of '*' (the CLI and dg launch insist on it, as for the
    # unpartitioned bronze snapshots and dbt models).
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "The analysts' dashboard (fakestore-platform dashboard) over the marts: a new refresh token"
        " its cache keys on, and the headline figures it will show."
    ),
)
def marts_refresh(
    context: dg.AssetExecutionContext, warehouse: Warehouse, dashboard_cache: DashboardCache
) -> dg.MaterializeResult:
    daily = relation(MARTS, "mart_daily_revenue")
    rfm = relation(MARTS, "mart_customer_rfm")
    with warehouse.connect() as conn:
        revenue, carts, first_day, last_day = conn.execute(
            sql.SQL(
                "select coalesce(sum(revenue), 0), coalesce(sum(carts), 0),"
                " min(order_date), max(order_date) from {}"
            ).format(daily)
        ).fetchone()
        (customers,) = conn.execute(sql.SQL("select count(*) from {}").format(rfm)).fetchone()
    token = context.run_id
    write_refresh_token(Path(dashboard_cache.token_file), token)
    return dg.MaterializeResult(
        metadata={
            "refresh_token": token,
            "total_revenue": dg.FloatMetadataValue(float(revenue)),
            "carts": dg.IntMetadataValue(int(carts)),
            "customers": dg.IntMetadataValue(int(customers)),
            "first_day": str(first_day),
            "last_day": str(last_day),
        }
    )
