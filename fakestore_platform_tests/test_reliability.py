"""The reliability suite: faults against the whole platform, run as a user runs it.

Every scenario materializes through `fakestore-platform materialize` (a subprocess, the real
Dagster and dbt machinery) from the local API, into a warehouse database of its own, and is held
against a fault-free run of the same data or against what the API itself serves. `make
test-reliability` runs them all and writes the figures to docs/RELIABILITY.md; `make test` leaves
out the `slow` ones (several runs each), whose fast counterparts it keeps: the demo through 30%
faults, a connection killed mid-COPY in the loader.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import httpx
import pytest

from fakestore_devtools.emulator import (
    EmulatorConfig,
    FaultConfig,
    serve_in_background,
    serve_with_faults,
)
from fakestore_platform.cli import printed_run_id
from fakestore_platform.defs.ingest.load import CARTS_REQUEST_DAYS
from fakestore_platform.warehouse.connection import connect, with_database
from fakestore_platform_tests.scratch_warehouse import fresh_database

pytestmark = pytest.mark.reliability

REPO = Path(__file__).resolve().parents[1]
DATASET = EmulatorConfig(products=40, users=25, carts=4000, days=366, seed=11)
RANGE = "2020-01-01...2020-12-31"
# Fast failure handling for the suite: slow responses outlast a 1 s read timeout, run retries wait 1 s.
FAULT_ENV = {"FAKESTORE_API_READ_TIMEOUT": "1", "FAKESTORE_RUN_RETRY_DELAY": "1"}
FIGURES: dict[str, dict[str, object]] = {}


@dataclass(frozen=True)
class WarehouseSnapshot:
    """What a run leaves: rows per table (bronze snapshots: latest batch) and every payload's hash."""

    rows: dict[str, int]
    payload_hashes: dict[str, frozenset[tuple[int, str]]]
    mart: tuple[tuple, ...]

    @classmethod
    def of(cls, url: str) -> WarehouseSnapshot:
        with connect(url) as conn:
            tables = conn.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
                " where table_schema in ('staging', 'core', 'marts') or table_name = 'carts' and table_schema = 'bronze'"
            ).fetchall()
            rows = {
                name: conn.execute(f"select count(*) from {name}").fetchone()[0]
                for (name,) in tables
            }
            hashes = {}
            for entity, key in (
                ("products", "product_id"),
                ("users", "user_id"),
                ("carts", "cart_id"),
            ):
                latest = (
                    ""
                    if entity == "carts"
                    else f"where extracted_at = (select max(extracted_at) from bronze.{entity})"
                )
                found = conn.execute(
                    f"select {key}, payload_sha256 from bronze.{entity} {latest}"
                ).fetchall()
                hashes[entity] = frozenset(found)
                rows[f"bronze.{entity}"] = len(found)
            mart = tuple(
                conn.execute("select * from marts.mart_sales_overview order by 1, 2, 3").fetchall()
            )
        return cls(rows=rows, payload_hashes=hashes, mart=mart)


def platform(
    warehouse_url: str, api_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`fakestore-platform <args>` as a user runs it, against this warehouse and API."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))
    }
    environment |= {
        "FAKESTORE_HOME": os.environ["FAKESTORE_HOME"],
        "FAKESTORE_WAREHOUSE_URL": warehouse_url,
        "FAKESTORE_API_URL": api_url,
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "fakestore_platform.cli", *args],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=900)
    assert process.returncode == 0, err[-4000:]
    return out


def materialize_everything(
    warehouse_url: str, api_url: str, env: dict[str, str] | None = None
) -> str:
    return finished(
        platform(
            warehouse_url,
            api_url,
            "materialize",
            "--select",
            "*",
            "--partition-range",
            RANGE,
            env=env,
        )
    )


def drift_reported(run: str) -> dict[str, dict[str, int]]:
    """The new field paths each bronze asset's no_schema_drift check reported in the run."""
    with dg.DagsterInstance.get() as instance:
        events = instance.all_logs(run, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = [event.dagster_event.event_specific_data for event in events]
    return {
        evaluation.asset_key.path[-1]: evaluation.metadata["new_field_paths"].value
        for evaluation in evaluations
        if evaluation.check_name == "no_schema_drift"
    }


def occurrences(conn, entity: str, path: str) -> int:
    """How many values bronze's payloads hold at `path` (`a.b`, `a[].b`), by SQL/JSON path."""
    steps = "".join(
        '."' + key.removesuffix("[]") + '"' + "[*]" * key.endswith("[]") for key in path.split(".")
    )
    (count,) = conn.execute(
        f"select count(*) from bronze.{entity}, jsonb_path_query(payload, %s::jsonpath)",
        ("$" + steps,),
    ).fetchone()
    return count


def audit_rows(url: str) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(
            "select asset, attempt, status, fetched, loaded, rejected, http_attempts, error"
            " from audit.ingestion_runs order by started_at, asset, attempt"
        ).fetchall()


@pytest.fixture(scope="module")
def baseline(platform_env, databases) -> WarehouseSnapshot:
    url = fresh_database(databases, "reliability_baseline")
    with serve_in_background(DATASET) as api_url:
        materialize_everything(url, api_url)
    snapshot = WarehouseSnapshot.of(url)
    assert snapshot.rows["bronze.carts"] == DATASET.carts
    return snapshot


@pytest.fixture(scope="module", autouse=True)
def reliability_report() -> Iterator[None]:
    yield
    target = os.environ.get("FAKESTORE_RELIABILITY_REPORT")
    if target and FIGURES:
        Path(target).write_text(render_report(FIGURES))


@pytest.mark.slow
def test_thirty_percent_transport_faults_leave_the_fault_free_warehouse_run_after_run(
    databases, baseline: WarehouseSnapshot
) -> None:
    url = fresh_database(databases, "reliability_transport")
    injected: dict[str, int] = {}
    requests = http_attempts = 0
    for seed in (5, 9, 12):  # together they inject every kind of transport fault
        faults = FaultConfig.transport_mix(0.3, seed=seed, slow_seconds=2)
        with serve_with_faults(DATASET, faults) as server:
            materialize_everything(url, server.url, env=FAULT_ENV)
            counts = server.log.counts()
        assert WarehouseSnapshot.of(url) == baseline, f"run with fault seed {seed}"
        requests += counts["requests"]
        for kind, n in counts["requests_faulted"].items():
            injected[kind] = injected.get(kind, 0) + n
    attempts = audit_rows(url)
    assert {status for _, _, status, *_ in attempts} == {"succeeded"}
    assert len(attempts) == 3 * 3  # three runs of three bronze assets, none needed a second attempt
    http_attempts = sum(row[6] for row in attempts)
    assert http_attempts == requests  # every request the API saw is accounted for in the audit
    faulted = sum(injected.values())
    assert faulted >= 0.2 * requests
    assert all(injected[kind] > 0 for kind in ("error", "throttle", "slow", "reset", "truncate")), (
        injected
    )
    # Per run: products, users, and the year of carts a request window at a time.
    needed = 3 * (2 + len(range(0, DATASET.days, CARTS_REQUEST_DAYS)))
    assert http_attempts - needed == faulted  # each fault cost exactly one retry, nothing else did
    FIGURES["transport faults, 30% of requests"] = {
        "runs": 3,
        "requests": requests,
        "faults injected": ", ".join(f"{kind} {n}" for kind, n in injected.items()),
        "client retries": http_attempts - needed,
        "run retries": 0,
        "records lost": 0,
        "duplicates": 0,
    }


def test_bad_records_are_quarantined_counted_and_drift_is_listed(databases) -> None:
    url = fresh_database(databases, "reliability_records")
    faults = FaultConfig(seed=4, invalid_rate=0.03, drift_rate=0.05, duplicate_rate=0.03)
    with serve_with_faults(DATASET, faults) as server:
        out = finished(
            platform(
                url,
                server.url,
                "materialize",
                "--select",
                "group:bronze",
                "--partition-range",
                RANGE,
            )
        )
        faulted = server.log.counts()["records_faulted"]
    served = {"products": DATASET.products, "users": DATASET.users, "carts": DATASET.carts}
    with connect(url) as conn:
        for entity, key in (("products", "product_id"), ("users", "user_id"), ("carts", "cart_id")):
            loaded = {str(i) for (i,) in conn.execute(f"select {key} from bronze.{entity}")}
            quarantined = {
                i
                for (i,) in conn.execute(
                    "select payload->>'id' from bronze.rejected_records where entity = %s",
                    (entity,),
                )
            }
            # Every record served is loaded or quarantined: none lost.
            assert loaded | quarantined == {str(n) for n in range(1, served[entity] + 1)}, entity
        (rejected,) = conn.execute("select count(*) from bronze.rejected_records").fetchone()
        drift = drift_reported(printed_run_id(out))
        assert set(drift) == set(served)  # every bronze asset's load reported its drift
        # Each path reported as often as the loaded payloads hold it, counted again in SQL.
        for entity, paths in drift.items():
            for path, count in paths.items():
                assert occurrences(conn, entity, path) == count, (entity, path)
        assert (
            conn.execute(
                "select count(*) from bronze.carts group by cart_id having count(*) > 1"
            ).fetchall()
            == []
        )
    # One row per spoiled record and per repeat (a repeat of a spoiled record is filed as invalid).
    assert rejected == faulted["invalid"] + faulted["duplicate"]
    # The emulator's drift adds these fields; each entity shows some, and nothing else is reported.
    possible = {
        "products": {"discount", "discount.code", "discount.percent", "rating.source"},
        "users": {"loyaltyTier", "address.country"},
        "carts": {"channel", "products[].giftWrap"},
    }
    for entity, paths in drift.items():
        assert paths and set(paths) <= possible[entity], (entity, paths)
        assert f"WARN: bronze/{entity} no_schema_drift" in out
    audit = audit_rows(url)
    assert sorted((asset, status) for asset, _, status, *_ in audit) == [
        ("bronze/carts", "succeeded"),
        ("bronze/products", "succeeded"),
        ("bronze/users", "succeeded"),
    ]
    assert sum(row[5] for row in audit) == rejected  # the audit's rejected counts add up
    FIGURES["bad records"] = {
        "records faulted": ", ".join(f"{kind} {n}" for kind, n in faulted.items()),
        "quarantined": rejected,
        "new field paths reported": sum(len(paths) for paths in drift.values()),
        "records lost": 0,
    }


def test_a_rejected_share_above_the_error_threshold_blocks_the_dbt_assets(databases) -> None:
    url = fresh_database(databases, "reliability_blocked")
    # January's carts (some 330) are plenty for a 30% share; the year's would only add partitions.
    january = "2020-01-01...2020-01-31"
    with serve_with_faults(DATASET, FaultConfig(seed=8, invalid_rate=0.3)) as server:
        process = platform(
            url, server.url, "materialize", "--select", "*", "--partition-range", january
        )
        _, err = process.communicate(timeout=900)
    assert process.returncode == 1
    assert "blocking asset check" in err
    assert "bronze/carts: rejected_share_below_thresholds" in err
    with connect(url) as conn:
        assert (
            conn.execute("select count(*) from bronze.carts").fetchone()[0] > 0
        )  # bronze kept its load
        assert conn.execute("select to_regclass('marts.mart_sales_overview')").fetchone() == (None,)
    FIGURES["rejected share above the error threshold"] = {
        "invalid records": "30%",
        "dbt assets run": 0,
    }


def _kill_the_first_carts_load(url: str, done: threading.Event, killed: list[int]) -> None:
    database = urlsplit(url).path.strip("/")
    with connect(with_database(url, "postgres"), autocommit=True) as admin:
        while not done.is_set() and not killed:
            pids = admin.execute(
                "select pid from pg_stat_activity where datname = %s and backend_xid is not null"
                " and query ilike %s",
                (database, "%bronze%carts%"),
            ).fetchall()
            for (pid,) in pids:
                admin.execute("select pg_terminate_backend(%s)", (pid,))
                killed.append(pid)
            time.sleep(0.005)


@pytest.mark.slow
def test_killing_the_database_connection_mid_load_retries_to_exactly_one_copy(
    databases, baseline: WarehouseSnapshot
) -> None:
    url = fresh_database(databases, "reliability_killed")
    done, killed = threading.Event(), []
    with serve_in_background(DATASET) as api_url:
        watcher = threading.Thread(target=_kill_the_first_carts_load, args=(url, done, killed))
        watcher.start()
        try:
            materialize_everything(url, api_url, env=FAULT_ENV)
        finally:
            done.set()
            watcher.join()
    assert killed, "the carts load was never caught in its transaction"
    assert WarehouseSnapshot.of(url) == baseline
    carts = [row for row in audit_rows(url) if row[0] == "bronze/carts"]
    assert [(attempt, status) for _, attempt, status, *_ in carts] == [
        (1, "failed"),
        (2, "succeeded"),
    ]
    assert "terminat" in carts[0][7]
    assert (carts[0][4], carts[1][4]) == (0, DATASET.carts)
    FIGURES["database connection killed mid-load"] = {
        "connections killed": len(killed),
        "run retries": 1,
        "records lost": 0,
        "duplicates": 0,
    }


def test_two_concurrent_runs_of_the_same_partitions_leave_one_copy(databases) -> None:
    url = fresh_database(databases, "reliability_concurrent")
    march = (
        "materialize",
        "--select",
        'key:"bronze/carts"',
        "--partition-range",
        "2020-03-01...2020-03-31",
    )
    with serve_in_background(DATASET) as api_url:
        runs = [platform(url, api_url, *march) for _ in range(2)]
        for run in runs:
            finished(run)
        # What the API itself serves for March (its enddate bound is exclusive).
        served = httpx.get(
            f"{api_url}/carts", params={"startdate": "2020-03-01", "enddate": "2020-04-01"}
        )
        expected = len(served.raise_for_status().json())
    with connect(url) as conn:
        rows, distinct = conn.execute(
            "select count(*), count(distinct cart_id) from bronze.carts"
        ).fetchone()
    assert rows == distinct == expected > 0
    assert [status for _, _, status, *_ in audit_rows(url)] == ["succeeded", "succeeded"]
    FIGURES["concurrent runs"] = {"runs": 2, "rows": rows, "duplicates": rows - distinct}


def render_report(figures: dict[str, dict[str, object]]) -> str:
    lines = [
        "# Reliability",
        "",
        "Written by `make test-reliability` (fakestore_platform_tests/test_reliability.py). Each scenario",
        "runs `fakestore-platform materialize` against the local API with faults injected, into a",
        f"warehouse of its own, and compares it with a fault-free run of the same data ({DATASET.carts}",
        f"carts over {DATASET.days} days, {DATASET.products} products, {DATASET.users} users): same rows",
        "per table, same payload hashes, same mart, no duplicate, every rejected record accounted for, an",
        "audit row for every attempt.",
        "",
    ]
    for scenario, values in figures.items():
        lines += [f"## {scenario}", "", "| figure | value |", "| --- | --- |"]
        lines += [f"| {name} | {value} |" for name, value in values.items()]
        lines.append("")
    return "\n".join(lines)
