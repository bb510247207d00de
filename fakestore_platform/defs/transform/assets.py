"""The dbt models as Dagster assets: `dbt build` runs models and their tests (asset checks) in one go.

The incremental facts (dbt tag `partitioned`) are their own assets with the carts partitions, so a
run for some days rebuilds only those days; the other models are built whole.
"""

import os
import shutil
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, dbt_assets

from fakestore_platform.defs.ingest.partitions import carts_partitions
from fakestore_platform.defs.transform.failing_rows import with_failing_rows
from fakestore_platform.defs.transform.model_metadata import with_model_metadata
from fakestore_platform.defs.transform.project import dbt_project
from fakestore_platform.defs.transform.resource import FakestoreDbtCli
from fakestore_platform.defs.transform.translator import FakestoreDbtTranslator
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.failures import step_failure
from fakestore_platform.warehouse.resource import WAREHOUSE_POOL, Warehouse
from fakestore_platform.warehouse.roles import ensure_reader_role

PARTITIONED = "tag:partitioned"


# The carts window as the partitioned builds pass it to dbt (macro day_var reads them). Not --vars:
# dbt parses the whole project again whenever its vars change, 4 s of every partitioned build, while
# an env var read only at execution leaves the project's parse valid.
WINDOW_ENV = {"min_date": "FAKESTORE_DBT_MIN_DATE", "max_date": "FAKESTORE_DBT_MAX_DATE"}


def partition_window(start: date, end: date) -> dict[str, str]:
    """The dbt window of a partition window [start, end): its first and last day, inclusive."""
    return {"min_date": start.isoformat(), "max_date": (end - timedelta(days=1)).isoformat()}


def window_environment(window: dict[str, str] | None) -> dict[str, str]:
    """The window's variables for dbt's environment; empty ones without a window (day_var reads an
    empty day as unset), so a value the worker happens to hold never reaches dbt."""
    return {name: (window or {}).get(key, "") for key, name in WINDOW_ENV.items()}


SEE_THE_LOG = "see the dbt log in the run's compute logs"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def dbt_failure_summary(run_results: dict[str, Any] | None, errors: Sequence[str] = ()) -> str:
    """One line naming each model that errored and each test that failed, with dbt's own message;
    when dbt died before writing its results (its database lost, say), the errors it logged."""
    failed = [
        f"{result['unique_id'].split('.')[2]} ({result['status']}): {_one_line(result['message'])}"
        for result in (run_results or {}).get("results", [])
        if result["status"] in {"error", "fail", "runtime error"}
    ]
    said = "; ".join(failed or [_one_line(error) for error in errors]) or SEE_THE_LOG
    when = " before writing its results" if run_results is None else ""
    return f"dbt build failed{when}: {said}"


def _run_results(invocation: DbtCliInvocation) -> dict[str, Any] | None:
    try:
        return invocation.get_artifact("run_results.json")
    except FileNotFoundError:  # dbt ended before writing it
        return None


def _logged_errors(invocation: DbtCliInvocation) -> list[str]:
    """The messages dbt logged at level error, as dagster-dbt collected them from its output."""
    return list(getattr(invocation, "_error_messages", []))


PARTIAL_PARSE = "partial_parse.msgpack"


def keep_parse_for_next_builds(invocation: DbtCliInvocation) -> None:
    """Make this build's parse the one the next builds start from.

    dagster-dbt seeds each invocation's target with the project's partial parse, but dbt discards a
    parse made for another host, port, user or database (`make` and the image parse with the
    profile's defaults; the embedded server's host is its socket directory, known only at run
    time), so without this every build would parse the whole project again.
    """
    destination = dbt_project.project_dir / dbt_project.target_path / PARTIAL_PARSE
    staged = destination.with_name(f"{PARTIAL_PARSE}.{os.getpid()}")
    shutil.copyfile(invocation.target_path / PARTIAL_PARSE, staged)
    os.replace(staged, destination)  # atomic: a concurrent build reads the old parse or this one


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: FakestoreDbtCli,
    warehouse: Warehouse,
    window: dict[str, str] | None = None,
) -> Iterator[Any]:
    # dbt reads its connection from env vars only: the run worker resolves the warehouse (starting
    # the embedded server if needed) and hands it to this dbt run alone, with the window.
    with step_failure(), warehouse.connect() as conn:
        ensure_reader_role(conn, warehouse.reader_password)
    invocation = dbt.cli(
        ["build"],
        env={**warehouse.dbt_env(), **window_environment(window)},
        context=context,
        raise_on_error=False,
    )
    events = with_failing_rows(invocation.stream(), invocation.manifest, warehouse)
    yield from with_model_metadata(events, invocation.manifest, warehouse)
    if not invocation.is_successful():
        raise dg.Failure(
            description=dbt_failure_summary(_run_results(invocation), _logged_errors(invocation)),
            allow_retries=False,
        )
    keep_parse_for_next_builds(invocation)


def dbt_models(settings: Settings) -> list[dg.AssetsDefinition]:
    """The dbt assets: the partitioned facts with the carts partitions, every other model whole."""
    # What both share: one project, one translator, single-run backfills, the pool.
    shared = {
        "manifest": dbt_project.manifest_path,
        "project": dbt_project,
        "dagster_dbt_translator": FakestoreDbtTranslator(settings.carts_lookback_days),
        "backfill_policy": dg.BackfillPolicy.single_run(),
        "pool": WAREHOUSE_POOL,
    }

    @dbt_assets(
        **shared,
        select=PARTITIONED,
        partitions_def=carts_partitions(settings.carts_start),
        name="fakestore_dbt_partitioned_facts",
    )
    def fakestore_dbt_partitioned_facts(
        context: dg.AssetExecutionContext, dbt: FakestoreDbtCli, warehouse: Warehouse
    ) -> Iterator[Any]:
        if not (context.has_partition_key or context.has_partition_key_range):
            # The asset_checks job runs the facts' tests with no partition: they test every day.
            yield from _dbt_build(context, dbt, warehouse)
            return
        window = context.partition_time_window
        yield from _dbt_build(
            context, dbt, warehouse, partition_window(window.start.date(), window.end.date())
        )

    @dbt_assets(**shared, exclude=PARTITIONED, name="fakestore_dbt_models")
    def fakestore_dbt_models(
        context: dg.AssetExecutionContext, dbt: FakestoreDbtCli, warehouse: Warehouse
    ) -> Iterator[Any]:
        yield from _dbt_build(context, dbt, warehouse)

    return [fakestore_dbt_partitioned_facts, fakestore_dbt_models]
