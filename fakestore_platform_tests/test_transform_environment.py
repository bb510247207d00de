"""dbt's connection and partition window reach the dbt run alone: the run worker's own environment
is the same after a dbt build step as before it."""

from __future__ import annotations

import os
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import dagster as dg

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.defs.transform.assets import dbt_models
from fakestore_platform.defs.transform.project import DBT_EXECUTABLE, dbt_project
from fakestore_platform.defs.transform.resource import FakestoreDbtCli
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize

DAY = date(2020, 1, 2)


def with_password(url: str, password: str) -> str:
    """The URL with a password the embedded server (trust over its socket) never asks for."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.netloc.rpartition('@')[2]}"))


def test_a_dbt_build_leaves_the_run_workers_environment_as_it_was(
    platform_env, databases, settings
) -> None:
    url = fresh_database(databases, "dbt_environment_test")
    store = EmulatorConfig(products=3, users=3, carts=40, days=3, seed=7)
    with serve_in_background(store) as api_url:
        materialize(url, api_url, "--select", "*", "--partition-range", "2020-01-01...2020-01-03")
    password = "not-in-the-workers-environment"
    resources = {
        "warehouse": Warehouse(url=with_password(url, password), home=str(settings.home)),
        "dbt": FakestoreDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
    before = dict(os.environ)

    partitioned_facts, other_models = dbt_models(load_settings({}))
    unpartitioned = dg.materialize([other_models], resources=resources)
    partitioned = dg.materialize(
        [partitioned_facts], resources=resources, partition_key=DAY.isoformat()
    )

    assert unpartitioned.success and partitioned.success
    assert dict(os.environ) == before
    assert not {"FAKESTORE_PG_PASSWORD", "FAKESTORE_PG_HOST", "FAKESTORE_DBT_MIN_DATE"} & set(
        os.environ
    )
    assert password not in "".join(os.environ.values())
    with connect(url) as conn:
        (rows,) = conn.execute(
            "select count(*) from core.fact_carts where order_date = %s", (DAY,)
        ).fetchone()
    assert rows > 0  # dbt reached the warehouse and built the day it was given
