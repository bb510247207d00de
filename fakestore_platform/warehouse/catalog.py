"""The warehouse's schemas and the tables Python names: the one place that spells them.

Python owns bronze and audit. dbt owns the names of its models (dbt_project.yml's +schema, used
verbatim); those Python reads are named here as dbt places them, so a rename breaks in one place.
"""

from __future__ import annotations

from psycopg import sql

BRONZE = "bronze"
STAGING = "staging"
CORE = "core"
MARTS = "marts"
AUDIT = "audit"

# The data's path through the warehouse, in order.
LAYERS = (BRONZE, STAGING, CORE, MARTS)

# Python's own tables (besides one bronze table per API entity, named after it).
REJECTED_RECORDS = "rejected_records"
INGESTION_RUNS = "ingestion_runs"
RUN_FAILURES = "run_failures"

# The dbt models Python reads.
FACT_CART_ITEMS = "fact_cart_items"
MART_SALES_OVERVIEW = "mart_sales_overview"
MART_DAILY_REVENUE = "mart_daily_revenue"
MART_PRODUCT_PERFORMANCE = "mart_product_performance"
MART_CATEGORY_PERFORMANCE = "mart_category_performance"
MART_CUSTOMER_RFM = "mart_customer_rfm"
MART_CUSTOMER_COHORTS = "mart_customer_cohorts"


def relation(schema: str, name: str) -> sql.Identifier:
    """`schema.name`, quoted for a statement composed with psycopg.sql."""
    return sql.Identifier(schema, name)


def bronze(name: str) -> sql.Identifier:
    return relation(BRONZE, name)


def audit(name: str) -> sql.Identifier:
    return relation(AUDIT, name)
