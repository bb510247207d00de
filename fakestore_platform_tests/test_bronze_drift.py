"""Schema drift is counted by the load as it writes each record, and reported by its check."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime

import psycopg
import pytest

from fakestore_platform.api.models import Cart, Product, User, validate_records
from fakestore_platform.defs.ingest.drift import DriftCounter, drift_check_result, model_shape
from fakestore_platform.defs.ingest.load import bronze_transaction, replacing_cart_partitions
from fakestore_platform.warehouse.connection import connect, ensure_database, with_database
from fakestore_platform_tests.samples import CART, PRODUCT, USER

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = (date(2020, 3, 1), date(2020, 3, 3))


def known_paths(shape) -> set[str]:
    """Every path a shape knows, spelled as drift reports paths."""
    paths = {f"{shape.path}.{key}" if shape.path else key for key in shape.keys}
    for _, inner in shape.nested:
        if inner.items is not None:
            paths.add(inner.items.path)
            inner = inner.items
        paths |= known_paths(inner)
    return paths


def test_the_models_shapes_spell_nested_and_list_fields_as_the_api_does() -> None:
    assert known_paths(model_shape(Cart)) == {
        "id", "userId", "date", "__v", "products", "products[]", "products[].productId", "products[].quantity"
    }  # fmt: skip
    assert {"rating", "rating.rate", "rating.count"} <= known_paths(model_shape(Product))
    assert {"address.geolocation.lat", "name.firstname", "password", "__v"} <= known_paths(
        model_shape(User)
    )


def test_records_as_served_show_no_drift() -> None:
    for entity, record in (("products", PRODUCT), ("users", USER), ("carts", CART)):
        drift = DriftCounter(entity)
        drift.count(record)
        assert drift.paths == {}, entity


def test_new_fields_are_counted_with_everything_they_hold_wherever_they_appear() -> None:
    drift = DriftCounter("carts")
    lines = [{"productId": 1, "quantity": 2, "giftWrap": True}, {"productId": 2, "quantity": 1}]
    drift.count(CART | {"products": lines, "channel": {"name": "web", "tags": ["a", {"b": 1}]}})
    drift.count(CART | {"channel": None})
    assert drift.paths == {
        "channel": 2,
        "channel.name": 1,
        "channel.tags": 1,
        "channel.tags[]": 2,
        "channel.tags[].b": 1,
        "products[].giftWrap": 1,
    }
    user = copy.deepcopy(USER)
    user["address"]["country"] = "NZ"
    user["address"]["geolocation"]["alt"] = 12
    users = DriftCounter("users")
    users.count(user)
    assert users.paths == {"address.country": 1, "address.geolocation.alt": 1}


def test_the_drift_check_warns_and_lists_the_paths_in_order() -> None:
    drift = DriftCounter("products")
    drift.count(PRODUCT | {"zeta": 1, "alpha": 2})
    result = drift_check_result(drift)
    assert (result.passed, result.severity.value) == (False, "WARN")
    assert list(result.metadata["new_field_paths"].value) == ["alpha", "zeta"]
    assert result.metadata["new_field_path_count"].value == 2
    assert drift_check_result(DriftCounter("products")).passed


@pytest.fixture
def conn(databases) -> Iterator[psycopg.Connection]:
    url = with_database(databases.warehouse, "bronze_drift_test")
    ensure_database(url)
    with connect(url, autocommit=True) as connection:
        connection.execute("drop schema if exists bronze cascade")
        yield connection


def test_a_load_counts_the_drift_of_what_it_writes_and_keeps_the_new_fields(conn) -> None:
    drifted = PRODUCT | {"id": 2, "discount": {"code": "X", "percent": 5}}
    invalid = PRODUCT | {"id": 3, "price": "free", "discount": {"code": "Y"}}
    with bronze_transaction(conn, "products", NOW, "run-1") as writer:
        writer.write_snapshot(validate_records("products", "u", [PRODUCT, drifted, invalid]))
    assert writer.drift.paths == {"discount": 1, "discount.code": 1, "discount.percent": 1}
    (payload,) = conn.execute("select payload from bronze.products where product_id = 2").fetchone()
    assert payload["discount"] == {"code": "X", "percent": 5}


def test_a_cart_rejected_for_its_date_adds_no_drift(conn) -> None:
    inside = CART | {"channel": "web"}
    stray = CART | {"id": 3, "date": "2020-04-01T00:00:00.000Z", "channel": "app", "extra": 1}
    batch = validate_records("carts", "u", [inside, stray])
    with replacing_cart_partitions(conn, WINDOW, NOW, "run-1") as writer:
        writer.write_carts([batch], WINDOW)
    assert writer.drift.paths == {"channel": 1}
