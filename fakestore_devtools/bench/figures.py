"""Each benchmark figure, measured the way BENCHMARKS.md says: wall clocks around real runs."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from fakestore_devtools.bench.environment import BenchEnvironment, StoreSize
from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.cli import printed_run_id
from fakestore_platform.defs.ingest.load import (
    bronze_transaction,
    replacing_cart_partitions,
    write_cart_partitions,
)
from fakestore_platform.defs.transform.model_metadata import METADATA_SECONDS
from fakestore_platform.defs.transform.project import dbt_project
from fakestore_platform.errors import FakestoreError
from fakestore_platform.runs import materialize
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.copy import BLOCK_BYTES
from fakestore_platform.warehouse.embedded import EmbeddedPostgres

# A user's backfill of bronze alone: every bronze asset over two years of daily partitions, of
# 100,000 carts (the size; fewer when the whole benchmark is smaller).
BRONZE_SELECTION = "group:bronze"
BACKFILL_CARTS = 100_000
BACKFILL_DAYS = 731


def backfill_size(size: StoreSize) -> StoreSize:
    return StoreSize(carts=min(size.carts, BACKFILL_CARTS), days=BACKFILL_DAYS, start=size.start)


# What a daily carts run rebuilds: bronze's partition and the incremental facts, with their checks.
DAILY_SELECTION = 'key:"bronze/carts" or key:"core/fact_carts" or key:"core/fact_cart_items"'
CARTS_SELECTION = 'key:"bronze/carts"'


@dataclass(frozen=True)
class TimedRun:
    seconds: float
    run_id: str


def timed_run(selection: str, window: tuple[date, date]) -> TimedRun:
    """One in-process run, timed from launch to its outcome."""
    started = time.perf_counter()
    outcome = materialize(selection, window)
    seconds = time.perf_counter() - started
    if not outcome.success:
        raise FakestoreError(f"benchmark run {selection} failed: {'; '.join(outcome.failures)}")
    return TimedRun(seconds, outcome.run_id)


def median_run_seconds(selection: str, window: tuple[date, date], repeat: int) -> float:
    return statistics.median(timed_run(selection, window).seconds for _ in range(repeat))


def at_rest(bench: BenchEnvironment) -> None:
    """Do now what autovacuum does in the minutes after a backfill (about 1.5 s at a million carts,
    unthrottled), so daily runs are timed on a warehouse at rest, as on any later day: racing
    autovacuum's pass over a year's rows, the first of them took 10.8 s instead of 7."""
    with connect(bench.urls.warehouse, autocommit=True) as conn:
        conn.execute("vacuum analyze")


def step_seconds(run_id: str) -> dict[str, float]:
    with dg.DagsterInstance.get() as instance:
        return {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(run_id)}


def definitions_load_seconds(bench: BenchEnvironment, repeat: int) -> float:
    """Import and resolve the definitions in a new interpreter, as a code server does on start."""
    program = (
        "import time; t = time.perf_counter(); "
        "from fakestore_platform.definitions import build_definitions; "
        "from fakestore_platform.settings import load_settings; "
        "build_definitions(load_settings()).resolve_asset_graph(); print(time.perf_counter() - t)"
    )
    times = []
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", program],
            env=bench.env,
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(result.stdout.split()[-1]))
    return statistics.median(times)


@dataclass(frozen=True)
class Ingest:
    run_seconds: float  # the whole `fakestore-platform materialize` process
    step_seconds: float  # the bronze/carts step: fetch, parse, validate, COPY, commit
    peak_rss_mb: float


def loaded_days(partitions: tuple[date, date]) -> tuple[date, date]:
    """The days [start, end) a run of the partitions first..last loads."""
    return partitions[0], partitions[1] + timedelta(days=1)


def ingest_in_child(
    bench: BenchEnvironment,
    partitions: tuple[date, date],
    api_url: str | None = None,
    selection: str = CARTS_SELECTION,
) -> Ingest:
    """bronze/carts (or `selection`) over the partitions first..last as one run in a child
    process, whose peak memory is its own, reading the local API or the one at `api_url`."""
    command = [sys.executable, "-W", "ignore", "-m", "fakestore_platform.cli", "materialize"]
    command += ["--select", selection]
    command += ["--partition-range", f"{partitions[0]}...{partitions[1]}"]
    env = bench.env if api_url is None else {**bench.env, "FAKESTORE_API_URL": api_url}
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)  # reaps it with its own resource usage
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        output.seek(0)
        printed = output.read().decode()
    if child.returncode != 0:
        raise FakestoreError(f"benchmark ingest failed: {printed[-2000:]}")
    run_id = printed_run_id(printed)
    return Ingest(seconds, step_seconds(run_id)["bronze__carts"], usage.ru_maxrss / 1024)


def warm_demo_seconds(home: Path) -> float:
    """`fakestore-platform demo` on the local API's default store (the real API's size) in a home
    of its own, the second of two runs: what a user waits for on any `make demo` after the first
    (the server started, dbt's parse kept). Its server is stopped at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    env["FAKESTORE_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-W", "ignore", "-m", "fakestore_platform.cli", "demo"]
    try:
        for _ in range(2):
            started = time.perf_counter()
            # cwd is the home, not the project: the demo leaves the project's .env alone.
            result = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            if result.returncode != 0:
                raise FakestoreError(f"benchmark demo failed: {result.stdout[-2000:]}")
    finally:
        EmbeddedPostgres(load_settings({"FAKESTORE_HOME": str(home)}).embedded_pgdata).stop()
    return seconds


def copy_ceiling_rows_per_second(bench: BenchEnvironment) -> tuple[int, float]:
    """The same payloads, already serialized, COPYed into a bare jsonb table of the same database."""
    with connect(bench.urls.warehouse) as conn:
        with conn.cursor().copy("copy (select payload from bronze.carts) to stdout") as copy:
            data = b"".join(bytes(block) for block in copy)
        rows = data.count(b"\n")
        conn.execute("drop table if exists public.bench_copy_ceiling")
        conn.execute("create table public.bench_copy_ceiling (payload jsonb not null)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor().copy("copy public.bench_copy_ceiling (payload) from stdin") as copy:
            for offset in range(0, len(data), BLOCK_BYTES):
                copy.write(data[offset : offset + BLOCK_BYTES])
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("drop table public.bench_copy_ceiling")
        conn.commit()
    return rows, rows / seconds


def direct_load_seconds(bench: BenchEnvironment, window: tuple[date, date]) -> float:
    """The bronze load of the full graph run without Dagster: the same client and writer code."""
    api = FakeStoreApi.from_settings(bench.settings, base_url=bench.api_url)
    extracted_at, run_id = datetime.now(UTC), "benchmark-direct-load"
    started = time.perf_counter()
    with connect(bench.urls.warehouse) as conn, api.open_client() as client:
        for entity in ("products", "users"):
            with bronze_transaction(conn, entity, extracted_at, run_id) as writer:
                writer.write_snapshot(getattr(client, entity)())
        days = loaded_days(window)
        with replacing_cart_partitions(conn, days, extracted_at, run_id) as writer:
            write_cart_partitions(writer, client, days)
    return time.perf_counter() - started


def dbt_sql_seconds(run_id: str) -> float:
    """Wall time during which dbt had SQL executing in the run: the union of every node's execute
    interval in the run's run_results.json files."""
    intervals = []
    target = dbt_project.project_dir / dbt_project.target_path
    for results in Path(target).glob(f"*-{run_id[:7]}-*/run_results.json"):
        for result in json.loads(results.read_text())["results"]:
            for timing in result["timing"]:
                if timing["name"] == "execute" and timing.get("started_at"):
                    intervals.append(
                        (_moment(timing["started_at"]), _moment(timing["completed_at"]))
                    )
    covered, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            covered += end - start
            reach = end
        elif end > reach:
            covered += end - reach
            reach = end
    return covered


def _moment(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def python_check_seconds(run_id: str) -> float:
    """The Python asset checks' steps: each is one or two queries."""
    dbt_steps = ("fakestore_dbt_models", "fakestore_dbt_partitioned_facts")
    bronze_steps = ("bronze__carts", "bronze__products", "bronze__users")
    return sum(
        seconds
        for step, seconds in step_seconds(run_id).items()
        if not step.startswith(dbt_steps) and step not in bronze_steps
    )


def model_metadata_seconds(run_id: str) -> float:
    """The time the dbt steps spent reading what the UI shows of each model (row count, columns,
    the marts' figures and charts): each model's `metadata_seconds`, once per model (a partitioned
    fact's partitions all carry the one reading)."""
    with dg.DagsterInstance.get() as instance:
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=100_000
        ).records
    seconds = {
        record.asset_materialization.asset_key: record.asset_materialization.metadata[
            METADATA_SECONDS
        ].value
        for record in records
        if METADATA_SECONDS in record.asset_materialization.metadata
    }
    return sum(seconds.values())


def server_version(bench: BenchEnvironment) -> str:
    with connect(bench.urls.warehouse) as conn:
        return conn.execute("show server_version").fetchone()[0]
