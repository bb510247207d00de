"""Writing bronze: snapshot batches appended, cart partitions replaced, each in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import psycopg
from psycopg import sql

from fakestore_platform.api.client import FakeStoreClient
from fakestore_platform.api.models import Entity, Rejection, ValidatedBatch
from fakestore_platform.bronze.drift import DriftCounter
from fakestore_platform.bronze.records import Lineage, cart_day, payload_line, rejected_row
from fakestore_platform.bronze.tables import (
    ID_COLUMNS,
    LINEAGE_COLUMNS,
    REJECTED_COLUMNS,
    REJECTED_TABLE,
    ensure_bronze_tables,
    table,
)
from fakestore_platform.errors import FakestoreError
from fakestore_platform.warehouse.copy import copy_lines, copy_rows

# The API takes any start/end, so a backfill asks for two weeks at a time, not a day at a time: few
# requests (each costs the run about 0.1 s), and responses (about 40,000 carts at a million a year)
# small enough that the load holds two of them under its memory budget.
CARTS_REQUEST_DAYS = 14


def request_windows(
    start: date, end: date, days: int = CARTS_REQUEST_DAYS
) -> Iterator[tuple[date, date]]:
    """Split [start, end) into consecutive windows of at most `days` days."""
    while start < end:
        stop = min(end, start + timedelta(days=days))
        yield start, stop
        start = stop


# A writer's default scope: a snapshot batch may be anywhere in its table.
EVERY_ROW = sql.SQL("true")


@dataclass
class LoadCounts:
    fetched: int = 0
    valid: int = 0
    loaded: int = 0
    rejected: int = 0


class BronzeWriter:
    """COPYs batches of one entity into bronze inside the caller's transaction, counting as it goes."""

    def __init__(
        self,
        cursor: psycopg.Cursor,
        entity: Entity,
        extracted_at: datetime,
        run_id: str,
        scope: sql.Composable = EVERY_ROW,
    ) -> None:
        self.cursor = cursor
        self.entity = entity
        self.extracted_at = extracted_at
        self.run_id = run_id
        # Where this load's rows can be: reading them back costs the load, not the table's history.
        self.scope = scope
        self.counts = LoadCounts()
        self.drift = DriftCounter(entity)

    def written(self) -> sql.Composable:
        """The condition selecting the rows this writer wrote, within its scope."""
        return sql.SQL("{} and run_id = {}").format(self.scope, sql.Literal(self.run_id))

    def _lineage(self, batch: ValidatedBatch) -> Lineage:
        return Lineage(source_url=batch.url, extracted_at=self.extracted_at, run_id=self.run_id)

    def write_snapshot(self, batch: ValidatedBatch) -> None:
        lineage = self._lineage(batch)
        lineage_text = lineage.copy_text()

        def lines() -> Iterator[bytes]:
            for record in batch.valid:
                self.drift.count(record)
                yield payload_line(self.entity, b"%d" % record["id"], record, lineage_text)

        self.counts.loaded += copy_lines(
            self.cursor, table(self.entity), (ID_COLUMNS[self.entity], *LINEAGE_COLUMNS), lines()
        )
        self._write_rejected([(None, r) for r in batch.rejected], lineage)
        self.counts.fetched += batch.fetched
        self.counts.valid += len(batch.valid)

    def write_carts(self, batch: ValidatedBatch, window: tuple[date, date]) -> None:
        """Write carts fetched for `window`; a cart dated outside it is rejected, never misfiled.

        A rejected cart is filed under its own day when it has one inside the window, otherwise under
        the window's first day, so re-running the window replaces it like every other row.
        """
        start, end = window
        lineage = self._lineage(batch)
        lineage_text = lineage.copy_text()
        rejected = [(start, r) for r in batch.rejected]

        def lines_in_window() -> Iterator[bytes]:
            for cart in batch.valid:
                day = cart_day(cart)
                if start <= day < end:
                    self.drift.count(cart)
                    keys = b"%d\t%b" % (cart["id"], day.isoformat().encode())
                    yield payload_line("carts", keys, cart, lineage_text)
                else:
                    error = {
                        "path": "date",
                        "error": f"dated {day}, outside the requested window {start}..{end}",
                    }
                    rejected.append((start, Rejection(record=cart, errors=[error])))

        columns = ("cart_id", "partition_date", *LINEAGE_COLUMNS)
        loaded = copy_lines(self.cursor, table("carts"), columns, lines_in_window())
        self._write_rejected(rejected, lineage)
        self.counts.loaded += loaded
        self.counts.fetched += batch.fetched
        self.counts.valid += loaded

    def _write_rejected(
        self, rejected: list[tuple[date | None, Rejection]], lineage: Lineage
    ) -> None:
        rows = (rejected_row(self.entity, rejection, day, lineage) for day, rejection in rejected)
        self.counts.rejected += copy_rows(
            self.cursor, table(REJECTED_TABLE), REJECTED_COLUMNS, rows
        )


@contextmanager
def bronze_transaction(
    conn: psycopg.Connection,
    entity: Entity,
    extracted_at: datetime,
    run_id: str,
    scope: sql.Composable = EVERY_ROW,
) -> Iterator[BronzeWriter]:
    """One transaction for one materialization: it commits whole or leaves bronze as it was."""
    ensure_bronze_tables(conn)
    with conn.transaction(), conn.cursor() as cursor:
        # One writer per table at a time: concurrent runs of the same partitions queue here
        # instead of interleaving their deletes and inserts.
        cursor.execute(
            "select pg_advisory_xact_lock(hashtext(%s))", (f"fakestore.bronze.{entity}",)
        )
        writer = BronzeWriter(cursor, entity, extracted_at, run_id, scope)
        yield writer
        _verify_loaded(writer)


@contextmanager
def replacing_cart_partitions(
    conn: psycopg.Connection, window: tuple[date, date], extracted_at: datetime, run_id: str
) -> Iterator[BronzeWriter]:
    """Delete the window's carts and rejections, then let the caller write them again."""
    start, end = window
    in_window = sql.SQL("partition_date >= {} and partition_date < {}").format(
        sql.Literal(start), sql.Literal(end)
    )
    with bronze_transaction(conn, "carts", extracted_at, run_id, in_window) as writer:
        writer.cursor.execute(sql.SQL("delete from {} where {}").format(table("carts"), in_window))
        writer.cursor.execute(
            sql.SQL("delete from {} where {} and entity = 'carts'").format(
                table(REJECTED_TABLE), in_window
            )
        )
        yield writer


def write_cart_partitions(
    writer: BronzeWriter, client: FakeStoreClient, window: tuple[date, date]
) -> list[str]:
    """Fetch the carts of [start, end) a request window at a time and write them; the URLs read.

    The next window's request is in flight while this one is written, so the API prepares and sends
    it while the warehouse takes the COPY: one request ahead, never more, so memory holds two windows.
    A failed request fails the load (and its transaction) when its window's turn comes.
    """
    windows = list(request_windows(*window))
    urls = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="carts-prefetch") as fetcher:
        fetch = fetcher.submit(client.carts, *windows[0]) if windows else None
        for index, request_window in enumerate(windows):
            batch = fetch.result()
            if index + 1 < len(windows):
                fetch = fetcher.submit(client.carts, *windows[index + 1])
            urls.append(batch.url)
            writer.write_carts(batch, request_window)
    return urls


def _verify_loaded(writer: BronzeWriter) -> None:
    """Every valid record fetched is in the table before commit, or nothing is committed."""
    (in_table,) = writer.cursor.execute(
        sql.SQL("select count(*) from {} where {}").format(table(writer.entity), writer.written())
    ).fetchone()
    if in_table != writer.counts.valid or writer.counts.loaded != writer.counts.valid:
        raise FakestoreError(
            f"bronze.{writer.entity}: {writer.counts.valid} valid records fetched but {in_table} "
            "rows in the table after the load; rolled back, nothing was written"
        )
