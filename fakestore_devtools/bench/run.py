"""The benchmark in order: small history first, then the year, each figure from its own runs."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from fakestore_devtools.bench import figures, prerendered
from fakestore_devtools.bench.environment import (
    BenchEnvironment,
    StoreSize,
    bench_environment,
    local_api,
)
from fakestore_devtools.bench.figures import Ingest
from fakestore_devtools.bench.report import Figures, print_table, write_report


def _bronze_backfill(bench: BenchEnvironment, size: StoreSize, rendered: Path) -> Ingest:
    """Every bronze asset over the two years of daily partitions of `size`, one child process, its
    carts read from pre-rendered responses: measured last, since it replaces bronze's carts."""
    partitions = (size.start, size.last_day)
    with local_api(size) as api_url:
        prerendered.render(api_url, [figures.loaded_days(partitions)], rendered)
    with prerendered.prerendered_api(rendered) as rendered_url:
        return figures.ingest_in_child(bench, partitions, rendered_url, figures.BRONZE_SELECTION)


def run_benchmark(size: StoreSize, repeat: int, report: Path | None) -> Figures:
    """Measure every figure on a fresh warehouse and local API of `size`; print them and write
    `report` (Markdown) when given."""
    home = Path(tempfile.mkdtemp(prefix="fakestore-bench-"))
    year = (size.start, size.last_day)
    last = (size.last_day, size.last_day)
    month = (size.start, min(size.last_day, size.start + timedelta(days=30)))
    try:
        with bench_environment(home, size) as bench:
            # One day of history: the graph built for the last day only, then that day rebuilt.
            figures.timed_run("*", last)
            figures.at_rest(bench)
            daily_1 = figures.median_run_seconds(figures.DAILY_SELECTION, last, repeat)
            definitions = figures.definitions_load_seconds(bench, repeat)
            # The ingest figure reads the local API's responses pre-rendered, so it is the
            # loader's; the same year read from the generating API is the end-to-end figure.
            rendered = home / "prerendered"
            loads = [figures.loaded_days(month), figures.loaded_days(year)]
            prerendered.render(bench.api_url, loads, rendered)
            with prerendered.prerendered_api(rendered) as rendered_url:
                ingest_month = figures.ingest_in_child(bench, month, rendered_url)
                ingest = figures.ingest_in_child(bench, year, rendered_url)
            ingest_with_api = figures.ingest_in_child(bench, year)
            copy_rows, copy_rate = figures.copy_ceiling_rows_per_second(bench)
            direct_load = figures.direct_load_seconds(bench, year)
            full = figures.timed_run("*", year)
            # A year of history: the same day rebuilt again.
            figures.at_rest(bench)
            daily_365 = figures.median_run_seconds(figures.DAILY_SELECTION, last, repeat)
            backfill = figures.backfill_size(size)
            bronze_backfill = _bronze_backfill(bench, backfill, home / "backfill")
            warm_demo = figures.warm_demo_seconds(home / "demo")
            result = Figures(
                size=size,
                repeat=repeat,
                ingest=ingest,
                ingest_month=ingest_month,
                ingest_with_api=ingest_with_api,
                copy_rows=copy_rows,
                copy_rows_per_second=copy_rate,
                daily_1=daily_1,
                daily_365=daily_365,
                full_graph=full.seconds,
                full_graph_steps=figures.step_seconds(full.run_id),
                direct_load=direct_load,
                dbt_sql=figures.dbt_sql_seconds(full.run_id),
                python_checks=figures.python_check_seconds(full.run_id),
                model_metadata=figures.model_metadata_seconds(full.run_id),
                definitions_load=definitions,
                backfill_size=backfill,
                bronze_backfill=bronze_backfill,
                warm_demo=warm_demo,
                postgres=figures.server_version(bench),
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print_table(result)
    if report is not None:
        write_report(result, report)
    return result
