"""The bronze assets: one per API table, raw validated payloads with lineage, bulk-loaded."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import dagster as dg
from psycopg import sql

from fakestore_platform.api.client import FakeStoreClient
from fakestore_platform.api.models import Entity, ValidatedBatch
from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.bronze.load import (
    BronzeWriter,
    bronze_transaction,
    replacing_cart_partitions,
)
from fakestore_platform.bronze.partitions import carts_partitions
from fakestore_platform.bronze.tables import REJECTED_TABLE, table
from fakestore_platform.warehouse.resource import Warehouse

# The API takes any start/end, so a backfill asks for a month at a time, not a day at a time.
CARTS_REQUEST_DAYS = 31
PREVIEW_ROWS = 5
LOADED_CHECK = "loaded_rows_equal_valid_records"


def request_windows(
    start: date, end: date, days: int = CARTS_REQUEST_DAYS
) -> Iterator[tuple[date, date]]:
    """Split [start, end) into consecutive windows of at most `days` days."""
    while start < end:
        stop = min(end, start + timedelta(days=days))
        yield start, stop
        start = stop


def _load_metadata(
    writer: BronzeWriter, client: FakeStoreClient, urls: list[str]
) -> dict[str, object]:
    """Counts, where the data came from, and a preview of what was written (already redacted)."""
    cursor, counts = writer.cursor, writer.counts
    preview = cursor.execute(
        sql.SQL("select payload from {} where run_id = %s limit %s").format(table(writer.entity)),
        (writer.run_id, PREVIEW_ROWS),
    ).fetchall()
    rejected = cursor.execute(
        sql.SQL("select reason from {} where run_id = %s and entity = %s limit %s").format(
            table(REJECTED_TABLE)
        ),
        (writer.run_id, writer.entity, PREVIEW_ROWS),
    ).fetchall()
    return {
        "fetched": counts.fetched,
        "loaded": counts.loaded,
        "rejected": counts.rejected,
        "dagster/row_count": counts.loaded,
        "http_attempts": client.attempts,
        "source_urls": dg.MetadataValue.json(urls),
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


def _snapshot_asset(entity: Entity, description: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["bronze", entity])

    @dg.asset(
        key=key,
        group_name="bronze",
        kinds={"python", "postgres"},
        description=description,
        # Unpartitioned, but part of every partition-range run: the CLI insists on single-run policies.
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[
            dg.AssetCheckSpec(
                LOADED_CHECK, asset=key, description="Every valid record fetched was loaded."
            )
        ],
    )
    def snapshot(
        context: dg.AssetExecutionContext, fakestore_api: FakeStoreApi, warehouse: Warehouse
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        extracted_at = datetime.now(UTC)
        with fakestore_api.open_client() as client, warehouse.connect() as conn:
            batch: ValidatedBatch = getattr(client, entity)()
            with bronze_transaction(conn, entity, extracted_at, context.run.run_id) as writer:
                writer.write_snapshot(batch)
                metadata = _load_metadata(writer, client, [batch.url])
        yield dg.MaterializeResult(metadata=metadata)
        yield _loaded_check(entity, writer)

    return snapshot


bronze_products = _snapshot_asset(
    "products", "Every product as served by GET /products; each run appends one snapshot batch."
)
bronze_users = _snapshot_asset(
    "users",
    "Every user as served by GET /users, the password removed before load; each run appends one snapshot batch.",
)

BRONZE_CARTS = dg.AssetKey(["bronze", "carts"])


@dg.asset(
    key=BRONZE_CARTS,
    group_name="bronze",
    kinds={"python", "postgres"},
    partitions_def=carts_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Carts by UTC day as served by GET /carts?startdate&enddate; a run replaces its partitions.",
    check_specs=[
        dg.AssetCheckSpec(
            LOADED_CHECK, asset=BRONZE_CARTS, description="Every valid cart fetched was loaded."
        )
    ],
)
def bronze_carts(
    context: dg.AssetExecutionContext, fakestore_api: FakeStoreApi, warehouse: Warehouse
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    window = context.partition_time_window
    start, end = window.start.date(), window.end.date()
    extracted_at = datetime.now(UTC)
    urls: list[str] = []
    with (
        fakestore_api.open_client() as client,
        warehouse.connect() as conn,
        replacing_cart_partitions(conn, (start, end), extracted_at, context.run.run_id) as writer,
    ):
        for request_window in request_windows(start, end):
            batch = client.carts(*request_window)
            urls.append(batch.url)
            writer.write_carts(batch, request_window)
        metadata = _load_metadata(writer, client, urls)
    yield dg.MaterializeResult(
        metadata={**metadata, "partitions": f"{start}..{end - timedelta(days=1)}"}
    )
    yield _loaded_check("carts", writer)
