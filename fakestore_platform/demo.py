"""`make demo`: the whole graph in one run, against the local API unless FAKESTORE_API_URL names one."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from psycopg import sql

from fakestore_devtools.emulator import (
    EmulatorConfig,
    FaultConfig,
    serve_in_background,
    serve_with_faults,
)
from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.defs.ingest.records import cart_day
from fakestore_platform.errors import FakestoreError
from fakestore_platform.instance import dagster_environment, write_project_env
from fakestore_platform.redaction import redact_url
from fakestore_platform.run_output import PLAIN_LOG_ENVIRONMENT
from fakestore_platform.runs import materialize
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.catalog import LAYERS, MART_SALES_OVERVIEW, MARTS, relation
from fakestore_platform.warehouse.connection import DatabaseUrls, connect, database_urls

MART_PREVIEW_ROWS = 10


@contextmanager
def api_for_demo(settings: Settings, faults: FaultConfig | None = None) -> Iterator[str]:
    """The configured API, or, when none is configured, the local one for as long as the demo runs,
    failing the share of requests `faults` asks for."""
    if not settings.api_url_is_default:
        if faults is not None:
            raise FakestoreError("fault injection needs the local API: unset FAKESTORE_API_URL")
        yield settings.api_url
        return
    if faults is None:
        with serve_in_background(EmulatorConfig()) as url:
            yield url
        return
    with serve_with_faults(EmulatorConfig(), faults) as server:
        yield server.url
        print(f"\nFaults injected by the local API: {server.log.counts()}")


def cart_days(settings: Settings, api_url: str) -> tuple[date, date]:
    """The first and last day holding carts at the source, within the carts partitions."""
    api = FakeStoreApi.from_settings(settings, base_url=api_url)
    with api.open_client() as client:
        batch = client.carts(settings.carts_start, date.today() + timedelta(days=1))
    days = [cart_day(cart) for cart in batch.valid]
    return (min(days), max(days)) if days else (settings.carts_start, settings.carts_start)


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [list(map(str, headers)), *[[str(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print(
            "  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        )
        if n == 0:
            print("  " + "  ".join("-" * width for width in widths))


def _report_warehouse(urls: DatabaseUrls) -> None:
    with connect(urls.warehouse) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema = any(%s) order by array_position(%s, table_schema::text), table_name",
            (list(LAYERS), list(LAYERS)),
        ).fetchall()
        counts = [
            (
                f"{schema}.{name}",
                conn.execute(
                    sql.SQL("select count(*) from {}").format(relation(schema, name))
                ).fetchone()[0],
            )
            for schema, name in tables
        ]
        print("\nRows per layer:")
        _print_table(("table", "rows"), counts)
        cursor = conn.execute(
            sql.SQL(
                "select order_date, category, customer_city, carts, units_sold, gross_revenue"
                " from {} order by gross_revenue desc, order_date limit %s"
            ).format(relation(MARTS, MART_SALES_OVERVIEW)),
            (MART_PREVIEW_ROWS,),
        )
        print(f"\nTop {MART_PREVIEW_ROWS} rows of {MARTS}.{MART_SALES_OVERVIEW} by revenue:")
        _print_table([c.name for c in cursor.description], cursor.fetchall())


def _report_checks(evaluations: Sequence[object]) -> None:
    by_asset: dict[str, list[object]] = defaultdict(list)
    for evaluation in evaluations:
        by_asset[evaluation.asset_key.to_user_string()].append(evaluation)
    print(f"\nChecks: {sum(e.passed for e in evaluations)} of {len(evaluations)} passed")
    rows = []
    for asset, results in sorted(by_asset.items()):
        failed = [f"{e.check_name} ({e.severity.value})" for e in results if not e.passed]
        rows.append(
            (asset, f"{len(results) - len(failed)}/{len(results)}", ", ".join(failed) or "-")
        )
    _print_table(("asset", "passed", "failed"), rows)


def run_demo(settings: Settings, fault_rate: float = 0.0, fault_seed: int = 0) -> None:
    urls = database_urls(settings)
    # A slow fault outlasts the client's read timeout, so it is a timeout, not just a delay.
    faults = (
        FaultConfig.transport_mix(
            fault_rate, fault_seed, slow_seconds=settings.api_read_timeout + 1
        )
        if fault_rate
        else None
    )
    with api_for_demo(settings, faults) as api_url:
        # Configure this process like any Dagster process of the platform; definitions read it.
        os.environ.update(dagster_environment(settings, urls, api_url) | PLAIN_LOG_ENVIRONMENT)
        first, last = cart_days(settings, api_url)
        print(f"Fake Store API: {redact_url(api_url)}")
        print(
            f"Materializing every asset, carts partitions {first}...{last} in one run:",
            flush=True,
        )
        outcome = materialize("*", (first, last), settings.run_logs)
    if not outcome.success:
        print(f"Log of the run (dbt, Dagster): {outcome.log_file}", flush=True)
        raise FakestoreError(outcome.failure_line())
    _report_warehouse(urls)
    _report_checks(outcome.check_evaluations)
    print(f"\nWarehouse: {redact_url(urls.warehouse)}")
    print(f"Dagster storage: {redact_url(urls.dagster)} (DAGSTER_HOME={settings.dagster_home})")
    print(f"Log of the run (dbt, Dagster): {outcome.log_file}")
    env_file = write_project_env(settings, Path.cwd())
    if env_file is not None:
        print(f"dg and dagster commands run here use this instance and warehouse ({env_file})")
    local_api = " --local-api" if settings.api_url_is_default else ""
    print(f"Open the UI on the same data: .venv/bin/fakestore-platform dev{local_api}")
