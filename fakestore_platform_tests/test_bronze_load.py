"""The bronze loader against a real PostgreSQL database of its own."""

import copy
import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import orjson
import psycopg
import pytest
from psycopg import sql

from fakestore_platform.api.client import FakeStoreClient
from fakestore_platform.api.models import validate_records
from fakestore_platform.defs.ingest.checks import rejected_share_severity
from fakestore_platform.defs.ingest.load import (
    bronze_transaction,
    replacing_cart_partitions,
    request_windows,
    write_cart_partitions,
)
from fakestore_platform.defs.ingest.records import Lineage, payload_line
from fakestore_platform.defs.ingest.tables import ensure_bronze_tables
from fakestore_platform.errors import FakeStoreApiError
from fakestore_platform.warehouse.connection import connect, ensure_database, with_database
from fakestore_platform.warehouse.copy import BLOCK_BYTES, copy_lines, copy_text
from fakestore_platform_tests.samples import CART, PRODUCT, USER
from fakestore_platform_tests.scripted_api import ScriptedApi

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = (date(2020, 3, 1), date(2020, 3, 3))
CART_DAY = date(2020, 3, 2)  # the day CART is dated, where its rejections are filed


@pytest.fixture
def conn(databases, request: pytest.FixtureRequest) -> Iterator[psycopg.Connection]:
    url = with_database(databases.warehouse, "bronze_load_test")
    ensure_database(url)
    with connect(url, autocommit=True) as connection:
        connection.execute("drop schema if exists bronze cascade")
        yield connection


def carts_batch(*carts: dict) -> object:
    return validate_records(
        "carts", "http://api/carts?startdate=2020-03-01&enddate=2020-03-03", list(carts)
    )


def test_a_snapshot_keeps_valid_records_and_files_the_invalid_one_with_its_reason(conn) -> None:
    bad = PRODUCT | {"id": 2, "price": "free"}
    batch = validate_records("products", "http://api/products", [PRODUCT, bad])
    with bronze_transaction(conn, "products", NOW, "run-1") as writer:
        writer.write_snapshot(batch)
    assert (writer.counts.fetched, writer.counts.loaded, writer.counts.rejected) == (2, 1, 1)
    assert conn.execute("select product_id, payload from bronze.products").fetchall() == [
        (1, PRODUCT)
    ]
    entity, payload, reason, errors, run_id = conn.execute(
        "select entity, payload, reason, errors, run_id from bronze.rejected_records"
    ).fetchone()
    assert (entity, payload, run_id) == ("products", bad, "run-1")
    assert reason == "price: Input should be a valid number"
    assert errors == [{"path": "price", "error": "Input should be a valid number"}]


def test_passwords_are_removed_from_loaded_and_rejected_users(conn) -> None:
    broken = copy.deepcopy(USER) | {"id": 2, "email": None, "password": "s3cret-two"}
    batch = validate_records("users", "http://api/users", [USER, broken])
    with bronze_transaction(conn, "users", NOW, "run-1") as writer:
        writer.write_snapshot(batch)
    payload, redacted = conn.execute("select payload, redacted_fields from bronze.users").fetchone()
    assert "password" not in payload
    assert redacted == ["password"]
    (rejected,) = conn.execute("select payload from bronze.rejected_records").fetchone()
    assert "password" not in rejected
    assert rejected["email"] is None


def test_payloads_and_lineage_reach_bronze_exactly_as_served_whatever_their_characters(
    conn,
) -> None:
    # COPY's text format gives backslash, tab, newline, return and \N a meaning of their own.
    title = 'a \\ backslash, a "quote", a\ttab, a\nnewline, a\rreturn, \\N, ünïcødé ✓'
    awkward = PRODUCT | {"title": title, "description": "\\N"}
    url = "http://api/products?note=a\\b\tc"
    with bronze_transaction(conn, "products", NOW, "run\\1\t") as writer:
        writer.write_snapshot(validate_records("products", url, [awkward]))
    row = conn.execute(
        "select payload, payload_sha256, redacted_fields, source_url, extracted_at, run_id"
        " from bronze.products"
    ).fetchone()
    sha256 = hashlib.sha256(orjson.dumps(awkward)).hexdigest()
    assert row == (awkward, sha256, [], url, NOW, "run\\1\t")


def test_snapshots_append_one_batch_per_run(conn) -> None:
    for run in ("run-1", "run-2"):
        with bronze_transaction(conn, "products", datetime.now(UTC), run) as writer:
            writer.write_snapshot(validate_records("products", "u", [PRODUCT]))
    assert conn.execute("select run_id from bronze.products order by extracted_at").fetchall() == [
        ("run-1",),
        ("run-2",),
    ]


def test_reloading_a_window_replaces_its_carts_and_rejections(conn) -> None:
    other_day = CART | {"id": 9, "date": "2020-03-05T10:00:00.000Z"}
    for run in ("run-1", "run-2"):
        with replacing_cart_partitions(conn, WINDOW, NOW, run) as writer:
            writer.write_carts([carts_batch(CART, CART | {"id": 2, "userId": "x"})], WINDOW)
    assert conn.execute("select cart_id, partition_date, run_id from bronze.carts").fetchall() == [
        (1, date(2020, 3, 2), "run-2")
    ]
    assert conn.execute("select count(*) from bronze.rejected_records").fetchone() == (1,)
    with replacing_cart_partitions(
        conn, (date(2020, 3, 5), date(2020, 3, 6)), NOW, "run-3"
    ) as writer:
        writer.write_carts([carts_batch(other_day)], (date(2020, 3, 5), date(2020, 3, 6)))
    assert conn.execute("select count(*) from bronze.carts").fetchone() == (
        2,
    )  # other days untouched


def test_a_cart_dated_outside_the_requested_window_is_rejected_not_misfiled(conn) -> None:
    stray = CART | {"id": 3, "date": "2020-04-01T00:00:00.000Z"}
    with replacing_cart_partitions(conn, WINDOW, NOW, "run-1") as writer:
        writer.write_carts([carts_batch(CART, stray)], WINDOW)
    assert conn.execute("select cart_id from bronze.carts").fetchall() == [(1,)]
    reason, day = conn.execute(
        "select reason, partition_date from bronze.rejected_records"
    ).fetchone()
    assert reason == "date: dated 2020-04-01, outside the requested window 2020-03-01..2020-03-03"
    assert day == WINDOW[0]


def test_a_cart_moved_to_another_day_leaves_the_day_it_was_loaded_on(conn) -> None:
    with replacing_cart_partitions(conn, WINDOW, NOW, "run-1") as writer:
        writer.write_carts([carts_batch(CART, CART | {"id": 4})], WINDOW)
    moved = CART | {"id": 4, "date": "2020-03-04T08:00:00.000Z"}
    day = (date(2020, 3, 4), date(2020, 3, 5))
    with replacing_cart_partitions(conn, day, NOW, "run-2") as writer:
        writer.write_carts([carts_batch(moved)], day)
    assert writer.counts.moved == 1
    assert conn.execute(
        "select cart_id, partition_date from bronze.carts order by 1"
    ).fetchall() == [(1, date(2020, 3, 2)), (4, date(2020, 3, 4))]


def test_a_cart_served_for_the_day_before_its_utc_day_loads_once_on_its_own_day(conn) -> None:
    """The source files carts by its own time zone: 23:30 at UTC-5 on 03-02 is 03-03 in UTC."""
    late = CART | {"id": 7, "date": "2020-03-02T23:30:00-05:00"}

    def handler(request: httpx.Request) -> httpx.Response:
        served_on_0302 = (
            request.url.params["startdate"] <= "2020-03-02" < request.url.params["enddate"]
        )
        return httpx.Response(200, json=[late] if served_on_0302 else [])

    with FakeStoreClient("http://api", transport=httpx.MockTransport(handler)) as client:
        for run, day in (("run-1", date(2020, 3, 2)), ("run-2", date(2020, 3, 3))):
            with replacing_cart_partitions(
                conn, (day, day + timedelta(days=1)), NOW, run
            ) as writer:
                write_cart_partitions(writer, client, (day, day + timedelta(days=1)))
    assert conn.execute("select cart_id, partition_date from bronze.carts").fetchall() == [
        (7, date(2020, 3, 3))
    ]
    assert conn.execute("select count(*) from bronze.rejected_records").fetchone() == (0,)


def test_an_invalid_cart_is_filed_under_its_own_day_so_rerunning_that_day_replaces_it(conn) -> None:
    invalid = CART | {"id": 2, "userId": "x", "date": "2020-03-02T12:00:00.000Z"}
    with replacing_cart_partitions(conn, WINDOW, NOW, "run-1") as writer:
        writer.write_carts([carts_batch(CART, invalid)], WINDOW)
    day = (date(2020, 3, 2), date(2020, 3, 3))
    with replacing_cart_partitions(conn, day, NOW, "run-2") as writer:
        writer.write_carts([carts_batch(CART, invalid)], day)
    assert conn.execute(
        "select partition_date, run_id from bronze.rejected_records"
    ).fetchall() == [(date(2020, 3, 2), "run-2")]


def test_a_failure_mid_load_leaves_the_partition_as_it_was(conn) -> None:
    with replacing_cart_partitions(conn, WINDOW, NOW, "run-1") as writer:
        writer.write_carts([carts_batch(CART)], WINDOW)
    with (
        pytest.raises(RuntimeError),
        replacing_cart_partitions(conn, WINDOW, NOW, "run-2") as writer,
    ):
        writer.write_carts([carts_batch(CART | {"id": 5})], WINDOW)
        raise RuntimeError("the API connection dropped before the window was complete")
    assert conn.execute("select cart_id, run_id from bronze.carts").fetchall() == [(1, "run-1")]


def test_a_range_is_fetched_two_weeks_at_a_time() -> None:
    windows = list(request_windows(date(2020, 1, 1), date(2020, 2, 1)))
    assert windows == [
        (date(2020, 1, 1), date(2020, 1, 15)),
        (date(2020, 1, 15), date(2020, 1, 29)),
        (date(2020, 1, 29), date(2020, 2, 1)),
    ]


def test_a_failed_request_for_a_later_window_rolls_back_the_windows_already_written(conn) -> None:
    """The next window is fetched while this one is written; its failure still fails the load."""
    requested = []

    def handler(request: httpx.Request) -> httpx.Response:
        start = request.url.params["startdate"]
        requested.append(start)
        if start == "2020-01-28":
            return httpx.Response(404, json={"message": "no such window"})
        day = f"{date.fromisoformat(start) + timedelta(days=1)}T10:00:00.000Z"
        return httpx.Response(200, json=[CART | {"id": len(requested), "date": day}])

    window = (date(2020, 1, 1), date(2020, 2, 12))
    with FakeStoreClient("http://api", transport=httpx.MockTransport(handler)) as client:
        with replacing_cart_partitions(conn, window, NOW, "run-1") as writer:
            write_cart_partitions(writer, client, (date(2020, 1, 1), date(2020, 1, 27)))
        with (
            pytest.raises(FakeStoreApiError, match="HTTP 404"),
            replacing_cart_partitions(conn, window, NOW, "run-2") as writer,
        ):
            write_cart_partitions(writer, client, window)
    # A day more on each side (write_cart_partitions' neighbouring days), two weeks per request.
    assert requested == ["2019-12-31", "2020-01-14", "2019-12-31", "2020-01-14", "2020-01-28"]
    assert conn.execute("select cart_id, run_id from bronze.carts order by 1").fetchall() == [
        (1, "run-1"),
        (2, "run-1"),
    ]


def test_a_range_in_one_copy_files_each_rejection_with_its_own_responses_url(conn) -> None:
    """Every response's carts go through one COPY and the rejections after it: each rejected cart
    still names the request it came from, each loaded cart too."""

    def handler(request: httpx.Request) -> httpx.Response:
        start = date.fromisoformat(request.url.params["startdate"])
        day = f"{start + timedelta(days=1)}T10:00:00.000Z"
        cart_id = (start - date(2019, 12, 31)).days + 1
        valid = CART | {"id": cart_id, "date": day}
        return httpx.Response(200, json=[valid, valid | {"id": cart_id + 100, "userId": "x"}])

    window = (date(2020, 1, 1), date(2020, 2, 1))
    with (
        FakeStoreClient("http://api", transport=httpx.MockTransport(handler)) as client,
        replacing_cart_partitions(conn, window, NOW, "run-1") as writer,
    ):
        urls = write_cart_partitions(writer, client, window)
    assert len(urls) == 3
    assert (writer.counts.loaded, writer.counts.rejected) == (3, 3)
    per_url = "select source_url, count(*) from bronze.{} group by 1 order by 1"
    counts = [(url, 1) for url in sorted(urls)]
    assert conn.execute(per_url.format("carts")).fetchall() == counts
    assert conn.execute(per_url.format("rejected_records")).fetchall() == counts


@pytest.mark.parametrize(
    ("share", "severity"),
    [(0.0, None), (0.05, None), (0.06, "WARN"), (0.2, "WARN"), (0.21, "ERROR"), (1.0, "ERROR")],
)
def test_the_rejected_share_warns_then_blocks(share: float, severity: str | None) -> None:
    result = rejected_share_severity(share, warn=0.05, error=0.2)
    assert (result.value if result else None) == severity


def test_a_relation_added_by_a_newer_release_reaches_an_existing_warehouse(conn) -> None:
    ensure_bronze_tables(conn)
    conn.execute("drop index bronze.products_product_id")
    conn.execute("insert into bronze.products (product_id, payload, payload_sha256, source_url, extracted_at, run_id)"
                 " values (1, '{}', 'x', 'u', now(), 'kept')")  # fmt: skip
    ensure_bronze_tables(conn)
    assert conn.execute(
        "select to_regclass('bronze.products_product_id') is not null"
    ).fetchone() == (True,)
    assert conn.execute("select run_id from bronze.products").fetchall() == [("kept",)]


INTEGER_MAX = 2**31 - 1
BEYOND_INTEGER = "is more than the warehouse's integer column holds (at most 2147483647)"
HOLDS_NUL = "holds a NUL character (\\u0000), which the warehouse cannot store"


def test_values_the_warehouse_cannot_hold_are_quarantined_and_the_rest_of_the_window_loads(
    conn,
) -> None:
    """One bad cart of each kind in a response: before, any of them failed the window's COPY."""
    at_bounds = CART | {
        "id": INTEGER_MAX,
        "userId": INTEGER_MAX,
        "products": [{"productId": INTEGER_MAX, "quantity": INTEGER_MAX}],
    }
    api = ScriptedApi(
        carts=[
            CART,
            CART | {"id": 2**31},
            CART | {"id": 3, "userId": 2**31},
            CART | {"id": 4, "products": [{"productId": 2**31, "quantity": 1}]},
            CART | {"id": 5, "products": [{"productId": 1, "quantity": 10**12}]},
            CART | {"id": 6, "channel\x00": "a\x00pp"},
            at_bounds,
        ]
    )
    with (
        api.serve() as url,
        FakeStoreClient(url) as client,
        replacing_cart_partitions(conn, WINDOW, NOW, "run-1") as writer,
    ):
        write_cart_partitions(writer, client, WINDOW)
    assert (writer.counts.fetched, writer.counts.loaded, writer.counts.rejected) == (7, 2, 5)
    # The staging models' casts of what was loaded succeed, at the bounds too.
    assert conn.execute(
        "select cart_id, (payload ->> 'userId')::integer, (line ->> 'productId')::integer,"
        " (line ->> 'quantity')::integer from bronze.carts"
        " cross join lateral jsonb_array_elements(payload -> 'products') as line"
        " where cart_id = %s",
        (INTEGER_MAX,),
    ).fetchall() == [(INTEGER_MAX, INTEGER_MAX, INTEGER_MAX, INTEGER_MAX)]
    assert conn.execute("select cart_id from bronze.carts order by 1").fetchall() == [
        (1,),
        (INTEGER_MAX,),
    ]
    rejected = conn.execute(
        "select (payload ->> 'id')::bigint, reason, partition_date from bronze.rejected_records"
        " order by 1"
    ).fetchall()
    assert rejected == [
        (3, f"userId: 2147483648 {BEYOND_INTEGER}", CART_DAY),
        (4, f"products.0.productId: 2147483648 {BEYOND_INTEGER}", CART_DAY),
        (5, f"products.0.quantity: 1000000000000 {BEYOND_INTEGER}", CART_DAY),
        (
            6,
            f"channel\\u0000: the field name {HOLDS_NUL}; channel\\u0000: {HOLDS_NUL}",
            CART_DAY,
        ),
        (2**31, f"id: 2147483648 {BEYOND_INTEGER}", CART_DAY),
    ]
    # jsonb cannot hold the NUL itself: the quarantined payload spells it out as text.
    assert conn.execute(
        "select payload ->> 'channel\\u0000' from bronze.rejected_records where payload ->> 'id' = '6'"
    ).fetchone() == ("a\\u0000pp",)


def test_snapshot_values_the_warehouse_cannot_hold_are_quarantined_and_the_rest_loads(
    conn,
) -> None:
    at_bounds = PRODUCT | {
        "id": INTEGER_MAX,
        "price": 9_999_999_999.99,
        "rating": {"rate": 99.99, "count": INTEGER_MAX},
    }
    user_at_bounds = copy.deepcopy(USER) | {"id": INTEGER_MAX}
    user_at_bounds["address"]["number"] = -(2**31)
    user_at_bounds["address"]["geolocation"] = {"lat": "-999.999999", "long": ""}
    user_beyond = copy.deepcopy(USER) | {"id": 3}
    user_beyond["address"]["number"] = 2**31
    user_elsewhere = copy.deepcopy(USER) | {"id": 4}
    user_elsewhere["address"]["geolocation"]["lat"] = "north"
    api = ScriptedApi(
        products=[
            PRODUCT,
            PRODUCT | {"id": 2, "price": 1e12},
            PRODUCT | {"id": 3, "title": "Backpack\x00"},
            PRODUCT | {"id": 4, "rating": {"rate": 100, "count": 2**31}},
            PRODUCT | {"id": 2**31},
            at_bounds,
        ],
        users=[USER, USER | {"id": 2**31}, user_beyond, user_elsewhere, user_at_bounds],
    )
    with api.serve() as url, FakeStoreClient(url) as client:
        for entity, fetch in (("products", client.products), ("users", client.users)):
            with bronze_transaction(conn, entity, NOW, "run-1") as writer:
                writer.write_snapshot(fetch())
    assert conn.execute(
        "select product_id, (payload ->> 'price')::numeric(12, 2),"
        " (payload -> 'rating' ->> 'rate')::numeric(4, 2),"
        " (payload -> 'rating' ->> 'count')::integer from bronze.products order by 1"
    ).fetchall() == [
        (1, Decimal("109.95"), Decimal("3.90"), 120),
        (INTEGER_MAX, Decimal("9999999999.99"), Decimal("99.99"), INTEGER_MAX),
    ]
    assert conn.execute(
        "select user_id, (payload -> 'address' ->> 'number')::integer,"
        " nullif(payload -> 'address' -> 'geolocation' ->> 'lat', '')::numeric(9, 6),"
        " nullif(payload -> 'address' -> 'geolocation' ->> 'long', '')::numeric(9, 6)"
        " from bronze.users order by 1"
    ).fetchall() == [
        (1, 7682, Decimal("-37.315900"), Decimal("81.149600")),
        (INTEGER_MAX, -(2**31), Decimal("-999.999999"), None),
    ]
    assert conn.execute(
        "select entity, (payload ->> 'id')::bigint, reason from bronze.rejected_records"
        " order by 1, 2"
    ).fetchall() == [
        (
            "products",
            2,
            "price: 1000000000000.0 is more than the warehouse's numeric(12, 2) column holds"
            " (at most 9999999999.99)",
        ),
        ("products", 3, f"title: {HOLDS_NUL}"),
        (
            "products",
            4,
            "rating.rate: 100 is more than the warehouse's numeric(4, 2) column holds"
            f" (at most 99.99); rating.count: 2147483648 {BEYOND_INTEGER}",
        ),
        ("products", 2**31, f"id: 2147483648 {BEYOND_INTEGER}"),
        ("users", 3, f"address.number: 2147483648 {BEYOND_INTEGER}"),
        (
            "users",
            4,
            "address.geolocation.lat: is neither empty nor a decimal the warehouse's"
            " numeric(9, 6) column holds (like -37.3159: up to 3 digits before the point and 6"
            " after)",
        ),
        ("users", 2**31, f"id: 2147483648 {BEYOND_INTEGER}"),
    ]


def test_a_cart_time_the_load_cannot_file_is_quarantined_and_the_rest_of_the_window_loads(
    conn,
) -> None:
    """Unix seconds passed validation, then failed the whole window where the load files carts."""
    edge = CART | {"id": 2, "date": "2020-03-02T10:00:00.000+15:59"}
    window = ("2020-02-29", "2020-03-04")  # WINDOW and its neighbouring days
    api = ScriptedApi(
        carts_by_window={
            window: [
                CART,
                CART | {"id": 3, "date": 1583107200},
                CART | {"id": 4, "date": "1583107200"},
                CART | {"id": 5, "date": "2020-03-02T00:00:00+16:00"},
                edge,
            ]
        }
    )
    with (
        api.serve() as url,
        FakeStoreClient(url) as client,
        replacing_cart_partitions(conn, WINDOW, NOW, "run-1") as writer,
    ):
        write_cart_partitions(writer, client, WINDOW)
    assert conn.execute(
        "select cart_id, partition_date, (payload ->> 'date')::timestamptz from bronze.carts"
        " order by 1"
    ).fetchall() == [
        (1, date(2020, 3, 2), datetime(2020, 3, 2, tzinfo=UTC)),
        (2, date(2020, 3, 1), datetime(2020, 3, 1, 18, 1, tzinfo=UTC)),
    ]
    assert conn.execute(
        "select (payload ->> 'id')::integer, split_part(reason, ' (', 1) from bronze.rejected_records"
        " order by 1"
    ).fetchall() == [
        (3, "date: Input should be a valid string"),
        (4, "date: is not a time like 2020-03-02T00:00:00.000Z"),
        (5, "date: is not a time like 2020-03-02T00:00:00.000Z"),
    ]


@pytest.mark.parametrize(
    ("entity", "record", "redacted"),
    [
        ("carts", CART | {"note": 'a\\b\tc\nd\re "quoted" \x01 \u2028 é'}, b"{}"),
        ("users", USER | {"note": "tab\there"}, b"{password}"),
    ],
)
def test_a_payload_line_is_the_copy_text_of_each_column(entity, record, redacted) -> None:
    lineage = Lineage("http://api/x?a=1\t2", NOW, "run-1")
    line = payload_line(entity, b"7", record, lineage.copy_text())
    document = orjson.dumps({k: v for k, v in record.items() if k != "password"})
    digest = hashlib.sha256(document).hexdigest().encode()
    expected = [b"7", copy_text(document), digest, redacted, lineage.copy_text()]
    assert line == b"\t".join(expected)
    assert orjson.loads(line.split(b"\t")[1].replace(b"\\\\", b"\\")) == orjson.loads(document)


def _numbered_lines(count: int, fail_after: int | None = None) -> Iterator[bytes]:
    padding = b"x" * 500  # a few MiB in all: several blocks, each sent while the next is formatted
    for n in range(count):
        if n == fail_after:
            raise RuntimeError("the source failed mid-load")
        yield b"%d\t%b\n" % (n, padding)


def test_copy_lines_sends_every_block_in_order_while_formatting_the_next(conn) -> None:
    count = 3 * BLOCK_BYTES // 500
    conn.execute("create temporary table copied (n integer, padding text)")
    with conn.cursor() as cursor:
        written = copy_lines(
            cursor, sql.Identifier("copied"), ("n", "padding"), _numbered_lines(count)
        )
    rows = conn.execute("select n from copied order by ctid").fetchall()
    assert written == count
    assert [n for (n,) in rows] == list(range(count))


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (
            lambda: _numbered_lines(3 * BLOCK_BYTES // 500, fail_after=2 * BLOCK_BYTES // 500),
            RuntimeError,
        ),
        (
            lambda: (
                [b"1\t%b\n" % (b"x" * 500)] * (2 * BLOCK_BYTES // 500)
                + [b"not a number\tx\n"]
                + [b"2\tx\n"] * 5000
            ),
            psycopg.DataError,
        ),
    ],
    ids=["the source fails mid-copy", "the server refuses a line"],
)
def test_a_failed_copy_writes_no_row_of_any_block(conn, lines, error) -> None:
    conn.execute("create temporary table copied (n integer, padding text)")
    with pytest.raises(error), conn.transaction(), conn.cursor() as cursor:
        copy_lines(cursor, sql.Identifier("copied"), ("n", "padding"), lines())
    assert conn.execute("select count(*) from copied").fetchone() == (0,)


def test_a_block_that_fails_to_send_fails_the_copy_and_writes_no_row(conn, monkeypatch) -> None:
    """The sending thread's failure reaches the loader at its next block."""
    write = psycopg.Copy.write
    sent = []

    def failing_second_write(self: psycopg.Copy, data: bytes) -> None:
        sent.append(len(data))
        if len(sent) == 2:
            raise psycopg.OperationalError("the connection dropped mid-copy")
        write(self, data)

    monkeypatch.setattr(psycopg.Copy, "write", failing_second_write)
    conn.execute("create temporary table copied (n integer, padding text)")
    with (
        pytest.raises(psycopg.OperationalError, match="dropped mid-copy"),
        conn.transaction(),
        conn.cursor() as cursor,
    ):
        copy_lines(
            cursor,
            sql.Identifier("copied"),
            ("n", "padding"),
            _numbered_lines(4 * BLOCK_BYTES // 500),
        )
    assert len(sent) == 2
    assert conn.execute("select count(*) from copied").fetchone() == (0,)
