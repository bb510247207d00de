"""audit.ingestion_runs: one row per bronze materialization attempt, written even when it fails."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import psycopg
from psycopg import sql

from fakestore_platform.api.client import FakeStoreClient
from fakestore_platform.defs.ingest.load import LoadCounts
from fakestore_platform.warehouse.catalog import (
    AUDIT,
    BRONZE,
    INGESTION_RUNS,
    REJECTED_RECORDS,
    audit,
)
from fakestore_platform.warehouse.ddl import ensure_tables

logger = logging.getLogger(__name__)

RUNS = audit(INGESTION_RUNS)

DDL = sql.SQL("""
create schema if not exists {audit};

create table if not exists {runs} (
    run_id text not null,
    asset text not null,
    attempt integer not null,
    partition_start date,
    partition_end date,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    status text not null check (status in ('running', 'succeeded', 'failed')),
    fetched integer,
    loaded integer,
    rejected integer,
    http_attempts integer,
    error text,
    primary key (run_id, asset, attempt)
);
comment on column {runs}.partition_end is 'The last partition day of the run (inclusive).';
comment on column {runs}.fetched is 'Records received from the API by the attempt.';
comment on column {runs}.loaded is 'Rows committed to bronze: 0 when the attempt failed and rolled back.';
comment on column {runs}.rejected is {rejected_comment};
""").format(
    audit=sql.Identifier(AUDIT),
    runs=RUNS,
    rejected_comment=sql.Literal(
        f"Rows committed to {BRONZE}.{REJECTED_RECORDS}: 0 when the attempt failed."
    ),
)


# An attempt holds this lock on its audit connection while it runs: PostgreSQL releases it when the
# process dies or its connection is lost, so a `running` row whose lock is free was abandoned.
ATTEMPT_LOCK = "select pg_advisory_lock(hashtext(concat_ws('/', %s::text, %s::text, %s::text)))"
ATTEMPT_UNLOCK = "select pg_advisory_unlock(hashtext(concat_ws('/', %s::text, %s::text, %s::text)))"
ABANDONED = "the attempt ended without finishing: its process died or lost the warehouse connection"
FAIL_ABANDONED_ATTEMPTS = sql.SQL("""
update {runs}
set status = 'failed', finished_at = now(), loaded = 0, rejected = 0, error = %s
where status = 'running'
    and pg_try_advisory_xact_lock(hashtext(concat_ws('/', run_id, asset, attempt::text)))
""").format(runs=RUNS)


@dataclass
class IngestionProgress:
    """What the materialization has done so far; the audit row reports it however the attempt ends."""

    counts: LoadCounts = field(default_factory=LoadCounts)
    client: FakeStoreClient | None = None

    @property
    def http_attempts(self) -> int:
        return self.client.attempts if self.client else 0


def ensure_audit_tables(conn: psycopg.Connection) -> None:
    ensure_tables(conn, AUDIT, DDL)


@contextmanager
def audited_ingestion(
    conn: psycopg.Connection,
    *,
    run_id: str,
    asset: str,
    attempt: int,
    partitions: tuple[date, date] | None = None,
) -> Iterator[IngestionProgress]:
    """Record the attempt as running, then as succeeded or failed with its one-line error.

    `conn` must be a connection of its own (autocommit): the load's transaction may roll back or
    lose its connection, and the audit row must survive either.
    """
    ensure_audit_tables(conn)
    conn.execute(FAIL_ABANDONED_ATTEMPTS, (ABANDONED,))
    first, last = partitions or (None, None)
    key = (run_id, asset, attempt)
    conn.execute(ATTEMPT_LOCK, key)
    conn.execute(
        sql.SQL(
            "insert into {} (run_id, asset, attempt, partition_start, partition_end, status)"
            " values (%s, %s, %s, %s, %s, 'running')"
            " on conflict (run_id, asset, attempt) do update set status = 'running', started_at = now()"
        ).format(RUNS),
        (*key, first, last),
    )
    progress = IngestionProgress()
    try:
        yield progress
    except BaseException as exc:
        _finish(conn, key, progress, "failed", " ".join(str(exc).split()) or type(exc).__name__)
        raise
    _finish(conn, key, progress, "succeeded", None)


def _finish(
    conn: psycopg.Connection,
    key: tuple[str, str, int],
    progress: IngestionProgress,
    status: str,
    error: str | None,
) -> None:
    counts, committed = progress.counts, status == "succeeded"
    try:
        conn.execute(ATTEMPT_UNLOCK, key)
        conn.execute(
            sql.SQL(
                "update {} set status = %s, finished_at = now(), fetched = %s, loaded = %s,"
                " rejected = %s, http_attempts = %s, error = %s"
                " where run_id = %s and asset = %s and attempt = %s"
            ).format(RUNS),
            (
                status,
                counts.fetched,
                counts.loaded if committed else 0,
                counts.rejected if committed else 0,
                progress.http_attempts,
                error,
                *key,
            ),
        )
    except psycopg.Error as exc:  # the warehouse went away too: the run's own events keep the error
        logger.warning("could not record %s in %s.%s: %s", key, AUDIT, INGESTION_RUNS, exc)
