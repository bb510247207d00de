"""Partition loads under database faults and concurrency, against a real PostgreSQL."""

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import psycopg
import pytest

from fakestore_platform.api.models import validate_records
from fakestore_platform.defs.ingest.load import replacing_cart_partitions
from fakestore_platform.defs.ingest.records import Lineage, payload_line
from fakestore_platform.defs.ingest.tables import LINEAGE_COLUMNS, ensure_bronze_tables, table
from fakestore_platform.warehouse.connection import connect, ensure_database, with_database
from fakestore_platform.warehouse.copy import copy_lines
from fakestore_platform_tests.samples import CART

WINDOW = (date(2020, 3, 2), date(2020, 3, 3))
CARTS = [CART | {"id": n} for n in range(1, 201)]


@pytest.fixture
def url(databases) -> Iterator[str]:
    url = with_database(databases.warehouse, "bronze_concurrency_test")
    ensure_database(url)
    with connect(url, autocommit=True) as conn:
        conn.execute("drop schema if exists bronze cascade")
        ensure_bronze_tables(conn)  # the steady state: loads find their tables
    yield url


def load(
    url: str, run_id: str, carts: list[dict] = CARTS, inside: threading.Barrier | None = None
) -> None:
    with (
        connect(url) as conn,
        replacing_cart_partitions(conn, WINDOW, datetime.now(UTC), run_id) as writer,
    ):
        if inside is not None:
            # Hold the transaction open (old rows deleted, new ones not written) until the other load
            # is inside too, or a second has passed because it cannot get in.
            with contextlib.suppress(threading.BrokenBarrierError):
                inside.wait(1)
        writer.write_carts([validate_records("carts", "http://api/carts", carts)], WINDOW)


def carts_in_window(url: str) -> list[tuple[str, int]]:
    with connect(url) as conn:
        return conn.execute("select run_id, count(*) from bronze.carts group by run_id").fetchall()


def test_killing_the_connection_mid_copy_leaves_the_partition_as_it_was(url: str) -> None:
    load(url, "run-1", CARTS[:3])
    copying = threading.Event()
    killed = threading.Event()

    def lines_until_killed() -> Iterator[bytes]:
        lineage = Lineage("http://api/carts", datetime.now(UTC), "run-2").copy_text()
        for n, cart in enumerate(CARTS):
            if n == 100:
                copying.set()
                killed.wait(10)
            keys = f"{cart['id']}\t{WINDOW[0]}".encode()
            yield payload_line("carts", keys, cart, lineage)

    def kill_the_loader(pid: int) -> None:
        copying.wait(10)
        with connect(url, autocommit=True) as admin:
            admin.execute("select pg_terminate_backend(%s)", (pid,))
        killed.set()

    with pytest.raises(psycopg.OperationalError), connect(url) as conn:
        killer = threading.Thread(target=kill_the_loader, args=(conn.info.backend_pid,))
        killer.start()
        with replacing_cart_partitions(conn, WINDOW, datetime.now(UTC), "run-2") as writer:
            columns = ("cart_id", "partition_date", *LINEAGE_COLUMNS)
            copy_lines(writer.cursor, table("carts"), columns, lines_until_killed())
    killer.join()
    assert killed.is_set()
    assert carts_in_window(url) == [("run-1", 3)]  # the old partition, whole

    load(url, "run-3")  # the next run completes it, exactly once
    assert carts_in_window(url) == [("run-3", len(CARTS))]


def test_two_concurrent_loads_of_a_partition_leave_one_copy(url: str) -> None:
    start, inside = threading.Barrier(2), threading.Barrier(2)
    errors: list[BaseException] = []

    def run(run_id: str) -> None:
        try:
            start.wait(10)
            load(url, run_id, inside=inside)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"run-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ((run_id, rows),) = carts_in_window(url)
    assert rows == len(CARTS)
    assert run_id in {"run-1", "run-2"}


def test_a_load_commits_when_its_block_ends_not_when_the_connection_closes(url: str) -> None:
    with connect(url) as conn:
        with replacing_cart_partitions(conn, WINDOW, datetime.now(UTC), "run-1") as writer:
            writer.write_carts([validate_records("carts", "http://api/carts", CARTS[:2])], WINDOW)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert carts_in_window(url) == [("run-1", 2)]  # visible to another connection already
