"""The enforced contracts hold on tables built by create-table-as (macro create_table_as): every
contract's types, not-nulls and keys are on the built tables; a row breaking a mart's constraint
fails its build and leaves the previous table as it was; a column whose type drifts upstream still
fails dbt's pre-flight check of the contract."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from dagster_dbt import DagsterDbtTranslator
from psycopg import sql

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.defs.transform.project import DBT_EXECUTABLE, dbt_project
from fakestore_platform.defs.transform.resource import FakestoreDbtCli
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize

DAYS = ("--partition-range", "2020-01-01...2020-01-03")


@pytest.fixture(scope="module")
def warehouse(platform_env, databases, settings) -> Warehouse:
    """A warehouse the whole graph built, for three days of a small store."""
    url = fresh_database(databases, "contracts_test")
    store = EmulatorConfig(products=3, users=4, carts=40, days=3, seed=11)
    with serve_in_background(store) as api_url:
        materialize(url, api_url, "--select", "*", *DAYS)
    return Warehouse(url=url, home=str(settings.home))


def contracted_models() -> list[dict[str, Any]]:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
    ]


def build(warehouse: Warehouse, model: str) -> tuple[bool, str]:
    """`dbt run` of one model as the platform runs dbt: whether it succeeded, and dbt's message."""
    dbt = FakestoreDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
    run = dbt.cli(
        ["run", "--select", model],
        env=warehouse.dbt_env(),
        manifest=json.loads(dbt_project.manifest_path.read_text()),
        dagster_dbt_translator=DagsterDbtTranslator(),
        raise_on_error=False,
    ).wait()
    (result,) = run.get_artifact("run_results.json")["results"]
    return run.is_successful(), result["message"] or ""


def rows(warehouse: Warehouse, table: str) -> list[tuple[Any, ...]]:
    with connect(warehouse.url) as conn:
        return conn.execute(
            sql.SQL("select * from {} order by 1, 2").format(table_id(table))
        ).fetchall()


def table_id(table: str) -> sql.Identifier:
    return sql.Identifier(*table.split("."))


def column_types(conn, table: str) -> dict[str, tuple[str, bool]]:
    """Each column's type as PostgreSQL spells it, and whether it is not null."""
    return dict(
        (name, (data_type, not_null))
        for name, data_type, not_null in conn.execute(
            """
            select attname, format_type(atttypid, atttypmod), attnotnull
            from pg_attribute
            where attrelid = %s::regclass and attnum > 0 and not attisdropped
            """,
            (table,),
        ).fetchall()
    )


def primary_key(conn, table: str) -> list[str]:
    """The table's primary key columns in key order; none without one."""
    key = conn.execute(
        """
        select array_agg(attname order by position)
        from pg_constraint
        cross join unnest(conkey) with ordinality as key (attnum, position)
        join pg_attribute on attrelid = conrelid and pg_attribute.attnum = key.attnum
        where conrelid = %s::regclass and contype = 'p'
        group by pg_constraint.oid
        """,
        (table,),
    ).fetchone()
    return key[0] if key else []


@contextmanager
def upstream(warehouse: Warehouse, change: str, revert: str) -> Iterator[None]:
    """The warehouse with `change` applied until the block ends, then `revert`."""
    with connect(warehouse.url) as conn:
        conn.execute(change)
    try:
        yield
    finally:
        with connect(warehouse.url) as conn:
            conn.execute(revert)


def test_every_contracted_table_has_its_contracts_types_not_nulls_and_key(warehouse) -> None:
    models = contracted_models()
    assert {model["name"] for model in models} >= {"mart_customer_rfm", "fact_cart_items"}
    with connect(warehouse.url) as conn:
        for model in models:
            table = f"{model['schema']}.{model['name']}"
            columns = model["columns"].values()
            # The types dbt-postgres's own create table gives the contract's columns.
            conn.execute(
                sql.SQL("create temporary table contract ({})").format(
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c["name"]), sql.SQL(c["data_type"]))
                        for c in columns
                    )
                )
            )
            expected = {
                c["name"]: (
                    column_types(conn, "contract")[c["name"]][0],
                    any(k["type"] == "not_null" for k in c["constraints"]),
                )
                for c in columns
            }
            conn.execute("drop table contract")
            (key,) = [k["columns"] for k in model["constraints"] if k["type"] == "primary_key"]

            assert column_types(conn, table) == expected, table
            assert primary_key(conn, table) == key, table


def test_a_null_breaking_a_marts_contract_fails_its_build_and_keeps_the_previous_table(
    warehouse,
) -> None:
    before = rows(warehouse, "marts.mart_customer_rfm")
    with upstream(
        warehouse,
        "alter table core.dim_users add column kept_username text;"
        " update core.dim_users set kept_username = username, username = null",
        "update core.dim_users set username = kept_username;"
        " alter table core.dim_users drop column kept_username",
    ):
        succeeded, message = build(warehouse, "mart_customer_rfm")

    assert not succeeded
    assert 'column "username"' in message and "contains null values" in message, message
    assert rows(warehouse, "marts.mart_customer_rfm") == before
    with connect(warehouse.url) as conn:
        assert primary_key(conn, "marts.mart_customer_rfm") == ["user_id"]
        assert column_types(conn, "marts.mart_customer_rfm")["username"] == ("text", True)
        assert not conn.execute(
            "select to_regclass('marts.mart_customer_rfm__dbt_tmp')"
        ).fetchone()[0]


def test_a_duplicate_breaking_a_marts_key_fails_its_build_and_keeps_the_previous_table(
    warehouse,
) -> None:
    before = rows(warehouse, "marts.mart_daily_revenue")
    day = before[0][0]
    with upstream(
        warehouse,
        f"insert into core.dim_date select * from core.dim_date where date_day = '{day}'",
        f"delete from core.dim_date where ctid = (select max(ctid) from core.dim_date"
        f" where date_day = '{day}')",
    ):
        succeeded, message = build(warehouse, "mart_daily_revenue")

    assert not succeeded
    assert f"Key (order_date)=({day}) is duplicated" in message, message
    assert rows(warehouse, "marts.mart_daily_revenue") == before
    with connect(warehouse.url) as conn:
        assert primary_key(conn, "marts.mart_daily_revenue") == ["order_date"]


def test_a_type_drifting_upstream_still_fails_dbts_preflight_contract_check(warehouse) -> None:
    before = rows(warehouse, "marts.mart_daily_revenue")
    with upstream(
        warehouse,
        "alter table core.dim_date alter column is_weekend type integer using is_weekend::integer",
        "alter table core.dim_date alter column is_weekend type boolean using is_weekend::boolean",
    ):
        succeeded, message = build(warehouse, "mart_daily_revenue")

    assert not succeeded
    assert "enforced contract that failed" in message, message
    assert re.search(r"is_weekend *\| INTEGER *\| BOOLEAN *\| data type mismatch", message), message
    assert rows(warehouse, "marts.mart_daily_revenue") == before


def test_a_rebuild_within_the_contract_succeeds_and_keeps_the_constraints(warehouse) -> None:
    before = rows(warehouse, "marts.mart_customer_rfm")

    succeeded, message = build(warehouse, "mart_customer_rfm")

    assert succeeded, message
    assert rows(warehouse, "marts.mart_customer_rfm") == before
    with connect(warehouse.url) as conn:
        assert primary_key(conn, "marts.mart_customer_rfm") == ["user_id"]
