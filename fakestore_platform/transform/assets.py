"""The dbt models as Dagster assets: `dbt build` runs models and their tests (asset checks) in one go."""

import os
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from fakestore_platform.transform.project import dbt_project
from fakestore_platform.transform.translator import FakestoreDbtTranslator
from fakestore_platform.warehouse.resource import Warehouse


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=FakestoreDbtTranslator(),
    name="fakestore_dbt_models",
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def fakestore_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
) -> Iterator[Any]:
    # dbt reads its connection from env vars only and DbtCliResource passes on os.environ: the
    # run worker resolves the warehouse (starting the embedded server if needed) and exports it.
    os.environ.update(warehouse.dbt_env())
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
    yield from invocation.stream()
    if not invocation.is_successful():
        raise dg.Failure(
            description=dbt_failure_summary(invocation.get_artifact("run_results.json")),
            allow_retries=False,
        )


def dbt_failure_summary(run_results: dict[str, Any]) -> str:
    """One line naming each model that errored and each test that failed, with dbt's own message."""
    failed = [
        f"{result['unique_id'].split('.')[2]} ({result['status']}): {' '.join(str(result['message']).split())}"
        for result in run_results.get("results", [])
        if result["status"] in {"error", "fail", "runtime error"}
    ]
    return "dbt build failed: " + ("; ".join(failed) or "see the dbt log in the run's compute logs")
