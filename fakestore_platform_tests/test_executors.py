"""FAKESTORE_EXECUTOR: the multiprocess executor runs steps in processes of their own and builds the
warehouse the in-process executor builds, one warehouse writer at a time; k8s needs dagster-k8s."""

from __future__ import annotations

import sys
from itertools import combinations

import dagster as dg
import pytest
from psycopg import sql

from fakestore_platform.errors import SettingsError
from fakestore_platform.executors import executor_for
from fakestore_platform.warehouse.catalog import LAYERS
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.resource import WAREHOUSE_POOL
from fakestore_platform_tests.dagster_cli import dagster_cli
from fakestore_platform_tests.scratch_warehouse import fresh_database, materialize

RANGE = "2020-01-01...2020-03-31"


def tables(url: str) -> dict[str, int]:
    """Every table and view the platform writes, with its row count."""
    with connect(url) as conn:
        names = conn.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema = any(%s)",
            (list(LAYERS),),
        ).fetchall()
        return {
            f"{schema}.{name}": conn.execute(
                sql.SQL("select count(*) from {}").format(sql.Identifier(schema, name))
            ).fetchone()[0]
            for schema, name in names
        }


def marts(url: str) -> dict[str, list[tuple]]:
    with connect(url) as conn:
        return {
            name: sorted(
                conn.execute(
                    sql.SQL("select * from {}").format(sql.Identifier(*name.split(".")))
                ).fetchall(),
                key=repr,
            )
            for name in tables(url)
            if name.startswith("marts.")
        }


def warehouse_step_spans(instance: dg.DagsterInstance, run_id: str) -> list[tuple[float, float]]:
    """When each step that writes the warehouse started and ended."""
    from fakestore_platform.definitions import build_definitions
    from fakestore_platform.settings import load_settings

    job = build_definitions(load_settings()).resolve_job_def("materialize_everything")
    pooled = {node.name for node in job.graph.nodes if node.definition.pool == WAREHOUSE_POOL}
    starts: dict[str, float] = {}
    spans = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or record.step_key not in pooled:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[record.step_key] = record.timestamp
        elif event.event_type in {
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        }:
            spans.append((starts.pop(record.step_key), record.timestamp))
    return spans


@pytest.mark.slow  # two whole-graph runs: 6.5 minutes on two busy cores (make test-all runs it)
def test_the_multiprocess_executor_builds_the_warehouse_in_process_does(
    platform_env, databases, local_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process = fresh_database(databases, "executor_in_process")
    materialize(in_process, local_api, "--select", "*", "--partition-range", RANGE)

    multiprocess = fresh_database(databases, "executor_multiprocess")
    monkeypatch.setenv("FAKESTORE_WAREHOUSE_URL", multiprocess)
    monkeypatch.setenv("FAKESTORE_EXECUTOR", "multiprocess")
    result = dagster_cli(
        "asset",
        "materialize",
        "-m",
        "fakestore_platform.definitions",
        "--select",
        "*",
        "--partition-range",
        RANGE,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "multiprocess executor" in output

    assert tables(multiprocess) == tables(in_process)
    assert marts(multiprocess) == marts(in_process)
    assert all(marts(in_process).values())
    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_runs(limit=1)
        spans = warehouse_step_spans(instance, run.run_id)
    assert len(spans) > 3
    for (start, end), (other_start, other_end) in combinations(sorted(spans), 2):
        assert end <= other_start or other_end <= start, "two steps wrote the warehouse at once"


def test_each_executor_name_is_dagsters_executor() -> None:
    assert executor_for("in_process") is dg.in_process_executor
    assert executor_for("multiprocess") is dg.multiprocess_executor
    assert executor_for("k8s").name == "k8s"


def test_k8s_without_dagster_k8s_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dagster_k8s", None)
    with pytest.raises(
        SettingsError, match=r"^FAKESTORE_EXECUTOR=k8s needs dagster-k8s: pip install"
    ):
        executor_for("k8s")
