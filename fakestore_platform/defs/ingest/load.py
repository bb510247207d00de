"""Writing bronze: snapshot batches appended, cart partitions replaced, each in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import psycopg
from psycopg import sql

from fakestore_platform.api.client import FakeStoreClient
from fakestore_platform.api.models import Entity, Rejection, ValidatedBatch
from fakestore_platform.defs.ingest.drift import DriftCounter
from fakestore_platform.defs.ingest.records import (
    Lineage,
    cart_day,
    payload_line,
    rejected_row,
    served_day,
)
from fakestore_platform.defs.ingest.tables import (
    ID_COLUMNS,
    LINEAGE_COLUMNS,
    REJECTED_COLUMNS,
    ensure_bronze_tables,
    table,
)
from fakestore_platform.errors import FakestoreError
from fakestore_platform.warehouse.catalog import BRONZE, REJECTED_RECORDS
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


# The API files a cart under its day in the source's time zone, which need not be UTC: a cart dated
# 2020-03-02T23:30:00-05:00 is served for 03-02 but belongs to the UTC day 03-03. A load asks for a
# day more on each side and keeps the carts of its own UTC days; those of the days beside it are
# theirs to load.
NEIGHBOUR_DAY = timedelta(days=1)


def carts_request_windows(window: tuple[date, date]) -> list[tuple[date, date]]:
    """The request windows a load of the days [start, end) asks for: those days and their
    neighbouring days, CARTS_REQUEST_DAYS at a time."""
    start, end = window
    return list(request_windows(start - NEIGHBOUR_DAY, end + NEIGHBOUR_DAY))


def _is_neighbour(day: date, window: tuple[date, date]) -> bool:
    start, end = window
    return day in (start - NEIGHBOUR_DAY, end)


# A writer's default scope: a snapshot batch may be anywhere in its table.
EVERY_ROW = sql.SQL("true")


@dataclass
class LoadCounts:
    fetched: int = 0
    valid: int = 0
    loaded: int = 0
    rejected: int = 0
    moved: int = 0  # older copies of the loaded carts removed from other days


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
        self._write_rejected([(None, r, lineage) for r in batch.rejected])
        self.counts.fetched += batch.fetched
        self.counts.valid += len(batch.valid)

    def write_carts(self, batches: Iterable[ValidatedBatch], window: tuple[date, date]) -> None:
        """Write the carts of `window` in responses for it and its neighbouring days (see
        NEIGHBOUR_DAY); a cart dated further out is rejected, never misfiled.

        One COPY takes every response's carts, so the server parses one response while the next is
        fetched and formatted (a COPY per response waited for the server at its end each time);
        the rejected records, each with its response's lineage, are written after it.

        A rejected cart is filed under its own day when it has one inside the window, otherwise under
        the window's first day, so re-running any day of the window replaces it like every other row.
        """
        start, end = window
        rejected: list[tuple[date | None, Rejection, Lineage]] = []

        def lines_in_window() -> Iterator[bytes]:
            for batch in batches:
                lineage = self._lineage(batch)
                lineage_text = lineage.copy_text()
                filed_before, in_window = len(rejected), 0
                for rejection in batch.rejected:
                    day = served_day(rejection.record)
                    if day is None or not _is_neighbour(day, window):
                        filed = day if day and start <= day < end else start
                        rejected.append((filed, rejection, lineage))
                for cart in batch.valid:
                    day = cart_day(cart)
                    if start <= day < end:
                        self.drift.count(cart)
                        keys = b"%d\t%b" % (cart["id"], day.isoformat().encode())
                        in_window += 1
                        yield payload_line("carts", keys, cart, lineage_text)
                    elif not _is_neighbour(day, window):
                        error = {
                            "path": "date",
                            "error": f"dated {day}, outside the requested window {start}..{end}",
                        }
                        rejected.append((start, Rejection(record=cart, errors=[error]), lineage))
                # Counted per response, so an attempt that fails later says what it had read.
                self.counts.fetched += in_window + len(rejected) - filed_before
                self.counts.valid += in_window

        columns = ("cart_id", "partition_date", *LINEAGE_COLUMNS)
        loaded = copy_lines(self.cursor, table("carts"), columns, lines_in_window())
        self._write_rejected(rejected)
        self.counts.loaded += loaded

    def _write_rejected(self, rejected: list[tuple[date | None, Rejection, Lineage]]) -> None:
        rows = (
            rejected_row(self.entity, rejection, day, lineage)
            for day, rejection, lineage in rejected
        )
        self.counts.rejected += copy_rows(
            self.cursor, table(REJECTED_RECORDS), REJECTED_COLUMNS, rows
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
                table(REJECTED_RECORDS), in_window
            )
        )
        yield writer
        # A cart the source now dates on one of these days leaves the day it was loaded on before:
        # bronze holds the newest copy of each cart, and the old day no longer counts it.
        moved = writer.cursor.execute(
            sql.SQL(
                "delete from {carts} as other where not ({in_window}) and exists ("
                "select from {carts} as loaded where loaded.cart_id = other.cart_id and {written})"
            ).format(
                carts=table("carts"),
                in_window=in_window,
                written=writer.written(),  # unqualified: the innermost table, `loaded`
            )
        )
        writer.counts.moved = moved.rowcount


def write_cart_partitions(
    writer: BronzeWriter, client: FakeStoreClient, window: tuple[date, date]
) -> list[str]:
    """Fetch the carts of [start, end) and its neighbouring days a request window at a time and
    write them; the URLs read.

    The next window's request is in flight while this one is written, so the API prepares and sends
    it while the warehouse takes the COPY: one request ahead, never more, so memory holds two windows.
    A failed request fails the load (and its transaction) when its window's turn comes.
    """
    windows = carts_request_windows(window)
    urls = []

    def responses() -> Iterator[ValidatedBatch]:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="carts-prefetch") as fetcher:
            fetch = fetcher.submit(client.carts, *windows[0]) if windows else None
            for index in range(len(windows)):
                batch = fetch.result()
                if index + 1 < len(windows):
                    fetch = fetcher.submit(client.carts, *windows[index + 1])
                urls.append(batch.url)
                yield batch

    with closing(responses()) as batches:  # a failed COPY waits for the fetch in flight
        writer.write_carts(batches, window)
    return urls


def _verify_loaded(writer: BronzeWriter) -> None:
    """Every valid record fetched is in the table before commit, or nothing is committed."""
    (in_table,) = writer.cursor.execute(
        sql.SQL("select count(*) from {} where {}").format(table(writer.entity), writer.written())
    ).fetchone()
    if in_table != writer.counts.valid or writer.counts.loaded != writer.counts.valid:
        raise FakestoreError(
            f"{BRONZE}.{writer.entity}: {writer.counts.valid} valid records fetched but {in_table} "
            "rows in the table after the load; rolled back, nothing was written"
        )
