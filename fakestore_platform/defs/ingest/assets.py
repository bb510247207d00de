"""The bronze assets: one per API table, raw validated payloads with lineage, bulk-loaded."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

from fakestore_platform.api.client import FakeStoreClient
from fakestore_platform.api.models import Entity, ValidatedBatch
from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.defs.ingest.audit import IngestionProgress, audited_ingestion
from fakestore_platform.defs.ingest.checks import rejected_share
from fakestore_platform.defs.ingest.drift import drift_check_result, drift_check_spec
from fakestore_platform.defs.ingest.freshness import DAILY_FRESHNESS
from fakestore_platform.defs.ingest.load import (
    BronzeWriter,
    bronze_transaction,
    replacing_cart_partitions,
    write_cart_partitions,
)
from fakestore_platform.defs.ingest.partitions import carts_partitions
from fakestore_platform.defs.ingest.tables import table
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.catalog import BRONZE, REJECTED_RECORDS
from fakestore_platform.warehouse.connection import warehouse_errors
from fakestore_platform.warehouse.failures import step_failure
from fakestore_platform.warehouse.resource import WAREHOUSE_POOL, Warehouse

PREVIEW_ROWS = 5
LOADED_CHECK = "loaded_rows_equal_valid_records"


def _load_metadata(
    writer: BronzeWriter, client: FakeStoreClient, urls: list[str]
) -> dict[str, object]:
    """Counts, where the data came from, and a preview of what was written (already redacted)."""
    cursor, counts = writer.cursor, writer.counts
    preview = cursor.execute(
        sql.SQL("select payload from {} where {} limit %s").format(
            table(writer.entity), writer.written()
        ),
        (PREVIEW_ROWS,),
    ).fetchall()
    rejected = cursor.execute(
        sql.SQL("select reason from {} where run_id = %s and entity = %s limit %s").format(
            table(REJECTED_RECORDS)
        ),
        (writer.run_id, writer.entity, PREVIEW_ROWS),
    ).fetchall()
    return {
        "fetched": counts.fetched,
        "loaded": counts.loaded,
        "rejected": counts.rejected,
        # A float, so the Plots tab charts it beside the counts; the check of that name judges it.
        "rejected_share": rejected_share(counts.loaded, counts.rejected),
        "dagster/row_count": counts.loaded,
        "http_attempts": client.attempts,
        "requests": len(urls),
        # The first few: Dagster copies a range run's metadata onto every partition's event, and
        # a year's 27 URLs on each of 365 events was half of what the run wrote to its event log.
        "source_urls": dg.MetadataValue.json(urls[:PREVIEW_ROWS]),
        "preview": dg.MetadataValue.json([row[0] for row in preview]),
        "rejected_reasons": dg.MetadataValue.json([row[0] for row in rejected]),
    }


def _loaded_check(entity: Entity, writer: BronzeWriter) -> dg.AssetCheckResult:
    counts = writer.counts
    return dg.AssetCheckResult(
        check_name=LOADED_CHECK,
        passed=counts.loaded == counts.valid,
        metadata={"valid_fetched": counts.valid, "loaded": counts.loaded, "entity": entity},
    )


def _retry_policy(settings: Settings) -> dg.RetryPolicy:
    """What the client's own retries gave up on (a long outage, a dropped database connection)."""
    return dg.RetryPolicy(
        max_retries=settings.run_retries,
        delay=settings.run_retry_delay,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


@contextmanager
def _ingestion(
    context: dg.AssetExecutionContext,
    fakestore_api: FakeStoreApi,
    warehouse: Warehouse,
    partitions: tuple[date, date] | None = None,
) -> Iterator[tuple[FakeStoreClient, psycopg.Connection, IngestionProgress]]:
    """The API client and the load's connection, the attempt audited on a connection of its own,
    and any platform or database error turned into the step's one-line failure (step_failure)."""
    with (
        step_failure(),
        warehouse.connect() as audit_conn,
        warehouse.connect() as load_conn,
        fakestore_api.open_client() as client,
    ):
        audit_conn.autocommit = True
        with (
            audited_ingestion(
                audit_conn,
                run_id=context.run.run_id,
                asset=context.asset_key.to_user_string(),
                attempt=context.retry_number + 1,
                partitions=partitions,
            ) as progress,
            warehouse_errors(),  # inside the audit, so its row says the same one line
        ):
            progress.client = client
            yield client, load_conn, progress


def _bronze_asset(
    key: dg.AssetKey, entity: Entity, description: str, retry_policy: dg.RetryPolicy, **kwargs: Any
) -> Callable[..., dg.AssetsDefinition]:
    """What every bronze asset shares: group, owners, pool, retries, single-run backfills, freshness,
    the checks computed by the load itself."""
    return dg.asset(
        key=key,
        group_name="bronze",
        pool=WAREHOUSE_POOL,
        freshness_policy=DAILY_FRESHNESS,
        kinds={"python", "postgres"},
        owners=["team:data-platform"],
        description=description,
        # Unpartitioned snapshots too are part of every partition-range run: the CLI insists on it.
        backfill_policy=dg.BackfillPolicy.single_run(),
        retry_policy=retry_policy,
        check_specs=[
            dg.AssetCheckSpec(
                LOADED_CHECK, asset=key, description="Every valid record fetched was loaded."
            ),
            drift_check_spec(key, entity),
        ],
        **kwargs,
    )


def _snapshot_asset(
    entity: Entity, description: str, retry_policy: dg.RetryPolicy
) -> dg.AssetsDefinition:
    @_bronze_asset(dg.AssetKey([BRONZE, entity]), entity, description, retry_policy)
    def snapshot(
        context: dg.AssetExecutionContext, fakestore_api: FakeStoreApi, warehouse: Warehouse
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        extracted_at = datetime.now(UTC)
        with _ingestion(context, fakestore_api, warehouse) as (client, conn, progress):
            batch: ValidatedBatch = getattr(client, entity)()
            with bronze_transaction(conn, entity, extracted_at, context.run.run_id) as writer:
                progress.counts = writer.counts
                writer.write_snapshot(batch)
                metadata = _load_metadata(writer, client, [batch.url])
        yield dg.MaterializeResult(metadata=metadata)
        yield _loaded_check(entity, writer)
        yield drift_check_result(writer.drift)

    return snapshot


BRONZE_PRODUCTS = dg.AssetKey([BRONZE, "products"])
BRONZE_USERS = dg.AssetKey([BRONZE, "users"])
BRONZE_CARTS = dg.AssetKey([BRONZE, "carts"])
BRONZE_ASSETS = (BRONZE_PRODUCTS, BRONZE_USERS, BRONZE_CARTS)


def bronze_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    """The three bronze assets, their retries and the carts' first partition as configured."""
    retry_policy = _retry_policy(settings)
    return [
        _snapshot_asset(
            "products",
            "Every product as served by GET /products; each run appends one snapshot batch.",
            retry_policy,
        ),
        _snapshot_asset(
            "users",
            "Every user as served by GET /users, the password removed before load; each run appends one snapshot batch.",
            retry_policy,
        ),
        _carts_asset(carts_partitions(settings.carts_start), retry_policy),
    ]


def _carts_asset(
    partitions: dg.DailyPartitionsDefinition, retry_policy: dg.RetryPolicy
) -> dg.AssetsDefinition:
    @_bronze_asset(
        BRONZE_CARTS,
        "carts",
        "Carts by UTC day as served by GET /carts?startdate&enddate; a run replaces its partitions.",
        retry_policy,
        partitions_def=partitions,
    )
    def bronze_carts(
        context: dg.AssetExecutionContext, fakestore_api: FakeStoreApi, warehouse: Warehouse
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        yield from _load_carts(context, fakestore_api, warehouse)

    return bronze_carts


def _load_carts(
    context: dg.AssetExecutionContext, fakestore_api: FakeStoreApi, warehouse: Warehouse
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    window = context.partition_time_window
    start, end = window.start.date(), window.end.date()
    if end <= start:  # a reversed range would otherwise replace nothing and report success
        raise dg.Failure(
            description=f"the partition range {context.partition_key_range.start}..."
            f"{context.partition_key_range.end} ends before it starts",
            allow_retries=False,
        )
    extracted_at = datetime.now(UTC)
    with (
        _ingestion(context, fakestore_api, warehouse, (start, end - timedelta(days=1))) as (
            client,
            conn,
            progress,
        ),
        replacing_cart_partitions(conn, (start, end), extracted_at, context.run.run_id) as writer,
    ):
        progress.counts = writer.counts
        urls = write_cart_partitions(writer, client, (start, end))
        metadata = _load_metadata(writer, client, urls)
    yield dg.MaterializeResult(
        metadata={
            **metadata,
            "partitions": f"{start}..{end - timedelta(days=1)}",
            "moved_from_other_days": writer.counts.moved,
        }
    )
    yield _loaded_check("carts", writer)
    yield drift_check_result(writer.drift)
