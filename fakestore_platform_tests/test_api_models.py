import copy

import pytest

from fakestore_platform.api.models import validate_records
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
