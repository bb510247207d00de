import copy
from datetime import date

import orjson
import pytest

from fakestore_platform.api import models
from fakestore_platform.api.models import may_hold_nul, validate_records, validate_response
from fakestore_platform.defs.ingest.records import cart_day
from fakestore_platform_tests.samples import CART, PRODUCT, USER, WHOLE_PRICE_PRODUCT


@pytest.mark.parametrize(
    ("entity", "records"),
    [("products", [PRODUCT, WHOLE_PRICE_PRODUCT]), ("users", [USER]), ("carts", [CART])],
)
def test_records_as_the_real_api_serves_them_are_valid(entity, records) -> None:
    batch = validate_records(entity, "https://fakestoreapi.com/x", records)
    assert batch.valid == records
    assert batch.rejected == []


def test_an_invalid_record_is_reported_with_its_field_path_and_the_rest_is_kept() -> None:
    bad = copy.deepcopy(PRODUCT) | {"id": 2, "price": "109.95"}
    del bad["rating"]["count"]
    batch = validate_records("products", "u", [PRODUCT, bad, WHOLE_PRICE_PRODUCT])
    assert [r["id"] for r in batch.valid] == [1, 5]
    assert batch.fetched == 3
    (rejection,) = batch.rejected
    assert rejection.record == bad
    paths = {e["path"] for e in rejection.errors}
    assert paths == {"price", "rating.count"}
    assert "price: Input should be a valid number" in rejection.reason


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"userId": None}, "userId"),
        ({"date": "yesterday"}, "date"),
        ({"date": "2020-03-02T00:00:00"}, "date"),  # no UTC offset: ambiguous
        ({"products": [{"productId": 1, "quantity": 0}]}, "products.0.quantity"),
        ({"products": [{"productId": "1", "quantity": 2}]}, "products.0.productId"),
    ],
)
def test_wrong_typed_cart_fields_are_rejected_with_their_path(change, path) -> None:
    batch = validate_records("carts", "u", [CART | change])
    assert batch.valid == []
    assert [e["path"] for e in batch.rejected[0].errors] == [path]


def test_a_record_that_is_not_an_object_is_rejected_not_raised() -> None:
    batch = validate_records("users", "u", [None, "x"])
    assert len(batch.rejected) == 2
    assert batch.rejected[0].errors[0]["path"] == "(record)"


def test_unknown_fields_are_kept_not_dropped() -> None:
    drifted = copy.deepcopy(USER) | {"loyaltyTier": "gold"}
    drifted["address"]["country"] = "uk"
    batch = validate_records("users", "u", [drifted])
    assert batch.valid == [drifted]
    assert batch.valid[0]["address"]["country"] == "uk"


def test_a_repeated_id_in_one_response_is_quarantined_not_loaded_twice() -> None:
    batch = validate_records("carts", "u", [CART, CART | {"userId": 2}, CART])
    assert batch.valid == [CART]
    assert [r.reason for r in batch.rejected] == [
        "id: duplicate of an earlier record with id 1 in this response",
        "id: duplicate of an earlier record with id 1 in this response",
    ]


def _as_served(records: list) -> tuple[list, bool]:
    """The records as the client has them from a response: parsed, and whether it may hold a NUL."""
    document = orjson.dumps(records)
    return orjson.loads(document), may_hold_nul(document)


def test_a_response_validated_in_one_call_or_record_by_record_gives_the_same_batch() -> None:
    bad_price = PRODUCT | {"id": 2, "price": "109.95"}
    over_bound = PRODUCT | {"id": 3, "rating": {"rate": 100.0, "count": 1}}
    for served in (
        [PRODUCT, bad_price, WHOLE_PRICE_PRODUCT, over_bound, "not a record"],
        [PRODUCT, WHOLE_PRICE_PRODUCT, PRODUCT | {"title": "again"}],  # a repeated id
        [PRODUCT, WHOLE_PRICE_PRODUCT | {"title": "a\x00"}],  # a NUL
    ):
        records, nul_possible = _as_served(served)
        one_call = validate_response("products", "u", records, nul_possible=nul_possible)
        by_record = validate_records("products", "u", records, nul_possible=nul_possible)
        assert one_call == by_record
        assert one_call.rejected


def test_an_all_valid_response_is_validated_in_one_call_as_record_by_record(monkeypatch) -> None:
    carts = [CART | {"id": i, "date": f"2020-03-{i:02d}T10:00:00.000Z"} for i in range(1, 29)]
    records, nul_possible = _as_served(carts)
    by_record = validate_records("carts", "u", records, nul_possible=nul_possible)
    monkeypatch.setattr(models, "validate_records", None)  # the one call must not need it
    one_call = validate_response("carts", "u", records, nul_possible=nul_possible)
    assert one_call == by_record
    assert one_call.valid == carts
    assert one_call.rejected == []


def _with(record: dict, path: tuple, value: object) -> dict:
    """A deep copy of `record` with `value` at `path`."""
    changed = copy.deepcopy(record)
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


INTEGER_MAX = 2**31 - 1
BEYOND_INTEGER = "is more than the warehouse's integer column holds (at most 2147483647)"


@pytest.mark.parametrize(
    ("entity", "record", "path", "value", "reason"),
    [
        ("products", PRODUCT, ("id",), 2**31, f"id: 2147483648 {BEYOND_INTEGER}"),
        ("users", USER, ("id",), 2**31, f"id: 2147483648 {BEYOND_INTEGER}"),
        ("carts", CART, ("id",), 2**31, f"id: 2147483648 {BEYOND_INTEGER}"),
        ("carts", CART, ("userId",), 2**31, f"userId: 2147483648 {BEYOND_INTEGER}"),
        (
            "carts",
            CART,
            ("products", 1, "productId"),
            2**31,
            f"products.1.productId: 2147483648 {BEYOND_INTEGER}",
        ),
        (
            "carts",
            CART,
            ("products", 0, "quantity"),
            10**12,
            f"products.0.quantity: 1000000000000 {BEYOND_INTEGER}",
        ),
        (
            "products",
            PRODUCT,
            ("rating", "count"),
            2**31,
            f"rating.count: 2147483648 {BEYOND_INTEGER}",
        ),
        (
            "users",
            USER,
            ("address", "number"),
            2**31,
            f"address.number: 2147483648 {BEYOND_INTEGER}",
        ),
        (
            "users",
            USER,
            ("address", "number"),
            -(2**31) - 1,
            "address.number: -2147483649 is less than the warehouse's integer column holds"
            " (at least -2147483648)",
        ),
        (
            "products",
            PRODUCT,
            ("price",),
            1e12,
            "price: 1000000000000.0 is more than the warehouse's numeric(12, 2) column holds"
            " (at most 9999999999.99)",
        ),
        (
            "products",
            PRODUCT,
            ("price",),
            10**10,
            "price: 10000000000 is more than the warehouse's numeric(12, 2) column holds"
            " (at most 9999999999.99)",
        ),
        (
            "products",
            PRODUCT,
            ("rating", "rate"),
            100.0,
            "rating.rate: 100.0 is more than the warehouse's numeric(4, 2) column holds"
            " (at most 99.99)",
        ),
    ],
)
def test_a_value_beyond_its_warehouse_column_is_rejected_saying_what_the_column_holds(
    entity, record, path, value, reason
) -> None:
    bad = _with(record, path, value)
    batch = validate_records(entity, "u", [bad])
    assert batch.valid == []
    assert [r.reason for r in batch.rejected] == [reason]


def test_values_at_the_warehouse_bounds_are_valid() -> None:
    product = PRODUCT | {
        "id": INTEGER_MAX,
        "price": 9_999_999_999.99,
        "rating": {"rate": 99.99, "count": INTEGER_MAX},
    }
    user = _with(USER | {"id": INTEGER_MAX}, ("address", "number"), -(2**31))
    cart = CART | {
        "id": INTEGER_MAX,
        "userId": INTEGER_MAX,
        "products": [{"productId": INTEGER_MAX, "quantity": INTEGER_MAX}],
    }
    for entity, record in (("products", product), ("users", user), ("carts", cart)):
        batch = validate_records(entity, "u", [record])
        assert batch.valid == [record], batch.rejected


NUL_REASON = "holds a NUL character (\\u0000), which the warehouse cannot store"


@pytest.mark.parametrize(
    ("entity", "record", "reason"),
    [
        ("products", PRODUCT | {"title": "Backpack\x00"}, f"title: {NUL_REASON}"),
        ("carts", CART | {"channel": "a\x00pp"}, f"channel: {NUL_REASON}"),
        ("carts", CART | {"channel\x00": "app"}, f"channel\\u0000: the field name {NUL_REASON}"),
        (
            "users",
            _with(USER, ("name", "middle"), ["x", {"deep": "\x00"}]),
            f"name.middle.1.deep: {NUL_REASON}",
        ),
        (
            "carts",
            _with(CART, ("products", 2, "note"), {"gift\x00": "wrap"}),
            f"products.2.note.gift\\u0000: the field name {NUL_REASON}",
        ),
    ],
)
def test_a_nul_anywhere_in_a_record_quarantines_it_and_the_rest_of_the_response_is_kept(
    entity, record, reason
) -> None:
    good = {"products": PRODUCT, "users": USER, "carts": CART}[entity] | {"id": 7}
    batch = validate_records(entity, "u", [record | {"id": 6}, good])
    assert batch.valid == [good]
    assert [r.reason for r in batch.rejected] == [reason]
    assert "\x00" not in batch.rejected[0].reason


def test_a_record_both_invalid_and_holding_a_nul_is_rejected_with_both_reasons() -> None:
    bad = PRODUCT | {"price": "free", "title": "\x00"}
    (rejection,) = validate_records("products", "u", [bad]).rejected
    assert rejection.reason == f"price: Input should be a valid number; title: {NUL_REASON}"


def test_only_a_document_with_the_nul_escape_may_hold_a_nul() -> None:
    assert may_hold_nul(orjson.dumps([PRODUCT | {"title": "a\x00"}]))
    assert not may_hold_nul(orjson.dumps([PRODUCT | {"title": "a \\ backslash"}]))
    assert not may_hold_nul(orjson.dumps([PRODUCT]))
    # A backslash then the letters u0000 is not a NUL: searched for, then found valid.
    literal = PRODUCT | {"title": "\\u0000"}
    document = orjson.dumps([literal])
    assert may_hold_nul(document)
    batch = validate_records("products", "u", orjson.loads(document), nul_possible=True)
    assert batch.valid == [literal]


def test_a_nul_is_found_in_a_record_orjson_cannot_write() -> None:
    odd = CART | {"extras": {1: "a\x00", "big": 2**70}}  # a key not a string, an int beyond 64 bits
    (rejection,) = validate_records("carts", "u", [odd]).rejected
    assert rejection.reason == f"extras.1: {NUL_REASON}"


NOT_A_TIME = (
    "date: is not a time like 2020-03-02T00:00:00.000Z (ISO 8601 with Z or an offset within"
    " ±15:59, in the years 1000 to 9998), which both the load and the warehouse's timestamptz read"
)


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        (1583107200, "date: Input should be a valid string"),  # unix seconds
        ("1583107200", NOT_A_TIME),
        ("2020-03-02T00:00:00.000z", NOT_A_TIME),  # fromisoformat takes only Z
        ("2020-03-02T00:00:00+16:00", NOT_A_TIME),  # beyond PostgreSQL's offsets
        ("2020-03-02T00:00:00.1234567Z", NOT_A_TIME),  # beyond a microsecond
        (
            "2020-02-30T00:00:00Z",
            "date: Input should be a valid datetime or date, day value is outside expected range",
        ),
        ("0001-01-01T00:00:00+01:00", NOT_A_TIME),  # in UTC, the year before year 1
        ("9999-12-31T23:00:00-01:00", NOT_A_TIME),  # in UTC, the year after 9999
    ],
)
def test_a_cart_time_the_load_or_the_warehouse_cannot_read_is_rejected(served, reason) -> None:
    batch = validate_records("carts", "u", [CART | {"date": served}])
    assert batch.valid == []
    assert [r.reason for r in batch.rejected] == [reason]


@pytest.mark.parametrize(
    ("served", "day"),
    [
        ("2020-03-02T00:00:00.000Z", date(2020, 3, 2)),
        ("2020-03-02T00:00:00Z", date(2020, 3, 2)),
        ("2020-03-02T00:00Z", date(2020, 3, 2)),
        ("2020-03-02 00:00:00+01:00", date(2020, 3, 1)),
        ("2020-03-02T00:00:00.123456-15:59", date(2020, 3, 2)),
        ("1000-01-01T00:00:00+15:59", date(999, 12, 31)),
        ("9998-12-31T23:59:59-15:59", date(9999, 1, 1)),
    ],
)
def test_a_cart_time_both_read_is_valid_and_filed_under_its_utc_day(served, day) -> None:
    cart = CART | {"date": served}
    assert validate_records("carts", "u", [cart]).valid == [cart]
    assert cart_day(cart) == day


NOT_A_COORDINATE = (
    "is neither empty nor a decimal the warehouse's numeric(9, 6) column holds"
    " (like -37.3159: up to 3 digits before the point and 6 after)"
)


@pytest.mark.parametrize("served", ["north", "1000", "-37.1234567", "1e3", " 12.5", "-"])
def test_a_coordinate_the_warehouse_cannot_cast_is_rejected(served) -> None:
    user = _with(USER, ("address", "geolocation", "long"), served)
    (rejection,) = validate_records("users", "u", [user]).rejected
    assert rejection.reason == f"address.geolocation.long: {NOT_A_COORDINATE}"


@pytest.mark.parametrize("served", ["", "0", "-999.999999", "81.1496", "7"])
def test_a_coordinate_the_warehouse_casts_is_valid(served) -> None:
    user = _with(USER, ("address", "geolocation", "lat"), served)
    assert validate_records("users", "u", [user]).valid == [user]
