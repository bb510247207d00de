"""The local Fake Store API answers like fakestoreapi.com, over real HTTP on loopback."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson
import pytest

from fakestore_devtools.emulator import EmulatorConfig, FakeStoreDataset, serve_in_background

TYPOGRAPHIC = "[\u2019\u201c\u201d\u2013]"  # the API's curly quotes and en dash
BUSY = EmulatorConfig(products=200, users=50, carts=2500, days=10)
LIST_ROUTES = (
    "/products",
    "/products/categories",
    "/products/category/jewelery",
    "/users",
    "/carts",
    "/carts?sort=desc&limit=5",
    "/carts/user/1",
)


@pytest.fixture(scope="module")
def default_api() -> Iterator[httpx.Client]:
    with serve_in_background(EmulatorConfig()) as url, httpx.Client(base_url=url) as client:
        yield client


@pytest.fixture(scope="module")
def busy_api() -> Iterator[httpx.Client]:
    with serve_in_background(BUSY) as url, httpx.Client(base_url=url) as client:
        yield client


@pytest.fixture(scope="module")
def busy_carts(busy_api: httpx.Client) -> list[dict[str, Any]]:
    return get_json(busy_api, "/carts")


def get_json(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return orjson.loads(response.content)


def ids(records: list[dict[str, Any]]) -> list[int]:
    return [record["id"] for record in records]


def test_default_dataset_is_sized_like_the_real_api(default_api: httpx.Client) -> None:
    assert len(get_json(default_api, "/products")) == 20
    assert len(get_json(default_api, "/users")) == 10
    assert ids(get_json(default_api, "/carts?startdate=2020-01-01&enddate=2020-03-03")) == [
        *range(1, 8)
    ]
    assert len(get_json(default_api, "/carts")) == 7
    assert get_json(default_api, "/products/categories") == [
        "electronics",
        "jewelery",
        "men's clothing",
        "women's clothing",
    ]


def test_records_keep_the_real_apis_keys_in_order(default_api: httpx.Client) -> None:
    product = get_json(default_api, "/products/1")
    assert list(product) == ["id", "title", "price", "description", "category", "image", "rating"]
    assert list(product["rating"]) == ["rate", "count"]
    assert re.fullmatch(r"https://fakestoreapi\.com/img/[\w-]+\._AC_\w+_\.jpg", product["image"])

    user = get_json(default_api, "/users/1")
    assert list(user) == [
        *("address", "id", "email", "username", "password", "name", "phone", "__v"),
    ]
    assert list(user["address"]) == ["geolocation", "city", "street", "number", "zipcode"]
    assert list(user["address"]["geolocation"]) == ["lat", "long"]
    assert all(re.fullmatch(r"-?\d+\.\d{4}", v) for v in user["address"]["geolocation"].values())
    assert isinstance(user["address"]["number"], int)
    assert re.fullmatch(r"\d{5}-\d{4}", user["address"]["zipcode"])
    assert re.fullmatch(r"1-\d{3}-\d{3}-\d{4}", user["phone"])
    assert list(user["name"]) == ["firstname", "lastname"]
    assert all(part.islower() for part in user["name"].values())
    assert user["__v"] == 0

    cart = get_json(default_api, "/carts/1")
    assert list(cart) == ["id", "userId", "date", "products", "__v"]
    assert all(list(line) == ["productId", "quantity"] for line in cart["products"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", cart["date"])


def test_titles_and_descriptions_carry_the_real_apis_quirks(busy_api: httpx.Client) -> None:
    products = get_json(busy_api, "/products")
    assert any(p["title"].endswith(" ") for p in products)
    assert any(re.search(TYPOGRAPHIC, p["title"]) for p in products)
    assert any(re.search(TYPOGRAPHIC, p["description"]) for p in products)


def test_many_users_share_a_city(busy_api: httpx.Client) -> None:
    cities = Counter(user["address"]["city"] for user in get_json(busy_api, "/users"))
    assert 1 < len(cities) < 50
    assert cities.most_common(1)[0][1] > 1


def test_unknown_id_answers_null(default_api: httpx.Client) -> None:
    for path in ("/products/21", "/products/0", "/users/11", "/carts/8", "/carts/-1"):
        response = default_api.get(path)
        assert (response.status_code, response.content) == (200, b"null"), path


def test_non_numeric_id_answers_400_with_json_error(default_api: httpx.Client) -> None:
    for path, entity in (
        ("/products/abc", "product"),
        ("/users/1.5", "user"),
        ("/carts/one", "cart"),
        ("/carts/user/me", "user"),
    ):
        response = default_api.get(path)
        assert response.status_code == 400, path
        assert response.json() == {"status": "error", "message": f"{entity} id should be provided"}


def test_unknown_route_answers_404(default_api: httpx.Client) -> None:
    assert default_api.get("/orders").status_code == 404
    assert default_api.get("/products/1/reviews").status_code == 404


def test_category_route_lists_only_that_category(busy_api: httpx.Client) -> None:
    mens = get_json(busy_api, "/products/category/men's%20clothing")
    assert mens
    assert {p["category"] for p in mens} == {"men's clothing"}
    assert get_json(busy_api, "/products/category/toys") == []


@pytest.mark.parametrize(
    "route", ["/products", "/users", "/carts", "/products/category/electronics"]
)
def test_limit_and_sort_follow_the_real_api(busy_api: httpx.Client, route: str) -> None:
    everything = ids(get_json(busy_api, route))
    assert everything == sorted(everything)
    assert ids(get_json(busy_api, f"{route}?sort=desc")) == everything[::-1]
    assert ids(get_json(busy_api, f"{route}?sort=asc")) == everything
    assert ids(get_json(busy_api, f"{route}?limit=3")) == everything[:3]
    assert ids(get_json(busy_api, f"{route}?limit=3&sort=desc")) == everything[::-1][:3]
    for no_limit in ("0", "abc", ""):
        assert ids(get_json(busy_api, f"{route}?limit={no_limit}")) == everything


def test_carts_window_is_start_inclusive_end_exclusive(
    busy_api: httpx.Client, busy_carts: list[dict[str, Any]]
) -> None:
    one_day = get_json(busy_api, "/carts?startdate=2020-01-05&enddate=2020-01-06")
    assert one_day
    assert one_day == [c for c in busy_carts if c["date"].startswith("2020-01-05")]

    # Dates are fixed-width ISO strings, so comparing them as strings compares the instants.
    start, end = busy_carts[100]["date"], busy_carts[200]["date"]
    window = get_json(busy_api, f"/carts?startdate={start}&enddate={end}")
    assert window == [c for c in busy_carts if start <= c["date"] < end]
    assert busy_carts[100] in window
    assert busy_carts[200] not in window

    assert get_json(busy_api, f"/carts?enddate={end}") == [c for c in busy_carts if c["date"] < end]
    assert get_json(busy_api, f"/carts?startdate={start}") == [
        c for c in busy_carts if c["date"] >= start
    ]
    assert get_json(busy_api, "/carts?startdate=2020-01-06&enddate=2020-01-05") == []


def test_malformed_date_answers_400_with_json_error(busy_api: httpx.Client) -> None:
    for query in ("startdate=2020-13-01", "enddate=yesterday", "startdate=01/02/2020"):
        for route in ("/carts", "/carts/user/1"):
            response = busy_api.get(f"{route}?{query}")
            assert response.status_code == 400, query
            body = response.json()
            assert body["status"] == "error"
            assert query.split("=")[0] in body["message"]


def test_every_cart_references_existing_users_and_products(
    busy_api: httpx.Client, busy_carts: list[dict[str, Any]]
) -> None:
    user_ids = set(ids(get_json(busy_api, "/users")))
    product_ids = set(ids(get_json(busy_api, "/products")))
    assert ids(busy_carts) == list(range(1, BUSY.carts + 1))
    for cart in busy_carts:
        assert cart["userId"] in user_ids
        lines = [line["productId"] for line in cart["products"]]
        assert 1 <= len(lines) <= 5
        assert len(set(lines)) == len(lines)
        assert set(lines) <= product_ids
        assert all(1 <= line["quantity"] <= 10 for line in cart["products"])


def test_carts_fall_on_every_day_some_days_busier_and_spread_over_the_day(
    busy_carts: list[dict[str, Any]],
) -> None:
    per_day = Counter(cart["date"][:10] for cart in busy_carts)
    assert sorted(per_day) == [f"2020-01-{day:02d}" for day in range(1, 11)]
    assert max(per_day.values()) > 1.5 * min(per_day.values())
    assert len({cart["date"][11:13] for cart in busy_carts}) == 24


def test_carts_of_a_user_are_only_theirs(
    busy_api: httpx.Client, busy_carts: list[dict[str, Any]]
) -> None:
    theirs = [c for c in busy_carts if c["userId"] == 3]
    assert theirs
    assert get_json(busy_api, "/carts/user/3") == theirs
    assert get_json(busy_api, "/carts/user/3?startdate=2020-01-04&enddate=2020-01-05") == [
        c for c in theirs if c["date"].startswith("2020-01-04")
    ]
    assert get_json(busy_api, "/carts/user/999") == []


def test_single_cart_matches_its_place_in_the_list(
    busy_api: httpx.Client, busy_carts: list[dict[str, Any]]
) -> None:
    for cart_id in (1, 2, 1234, BUSY.carts):
        assert get_json(busy_api, f"/carts/{cart_id}") == busy_carts[cart_id - 1]


def test_whole_prices_are_served_as_integers(busy_api: httpx.Client) -> None:
    raw = busy_api.get("/products").content
    prices = [product["price"] for product in orjson.loads(raw)]
    assert any(isinstance(price, int) for price in prices)
    assert any(isinstance(price, float) for price in prices)
    assert not re.search(rb'"(price|rate)":\d+\.0[,}]', raw)
    assert all(re.fullmatch(r"\d+(\.\d{1,2})?", str(price)) for price in prices)


def test_streamed_carts_are_the_bytes_of_one_json_list(busy_api: httpx.Client) -> None:
    carts = list(FakeStoreDataset(BUSY).iter_carts(None, None))
    assert len(carts) > 2 * 1000  # more than one streamed chunk
    assert busy_api.get("/carts").content == orjson.dumps(carts)
    assert busy_api.get("/carts?sort=desc&limit=1500").content == orjson.dumps(carts[::-1][:1500])
    assert busy_api.get("/carts?startdate=2030-01-01").content == b"[]"


def test_two_starts_with_one_seed_serve_identical_bytes() -> None:
    config = EmulatorConfig(carts=300)
    with (
        serve_in_background(config) as first,
        serve_in_background(config) as second,
        serve_in_background(EmulatorConfig(carts=300, seed=7)) as reseeded,
    ):
        for route in LIST_ROUTES:
            assert httpx.get(first + route).content == httpx.get(second + route).content, route
        for route in ("/products", "/users", "/carts"):
            assert httpx.get(first + route).content != httpx.get(reseeded + route).content, route


@pytest.mark.parametrize(
    "changes",
    [{"products": 0}, {"users": 0}, {"carts": -1}, {"days": 0}],
    ids=lambda changes: next(iter(changes)),
)
def test_config_refuses_an_empty_store(changes: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(changes))):
        EmulatorConfig(**changes)


def test_a_million_carts_answer_a_one_day_query() -> None:
    config = EmulatorConfig(carts=1_000_000, days=365, users=10_000, products=1000)
    with serve_in_background(config) as url, httpx.Client(base_url=url) as client:
        day = get_json(client, "/carts?startdate=2020-07-04&enddate=2020-07-05")
        assert day
        assert all(cart["date"].startswith("2020-07-04T") for cart in day)
        assert ids(day) == list(range(day[0]["id"], day[0]["id"] + len(day)))
        assert get_json(client, f"/carts/{day[0]['id'] - 1}")["date"] < "2020-07-04"
        assert get_json(client, f"/carts/{day[-1]['id'] + 1}")["date"] >= "2020-07-05"
        assert get_json(client, "/carts/1000000")["id"] == 1_000_000
        assert client.get("/carts/1000001").content == b"null"


def test_a_later_until_gains_carts_and_keeps_the_history_it_served() -> None:
    store = EmulatorConfig(carts=700, start=date(2020, 1, 1), days=7)
    cutoff = datetime(2020, 1, 7, tzinfo=UTC)
    before = FakeStoreDataset(replace(store, until=cutoff))
    after = FakeStoreDataset(store)
    earlier = list(before.iter_carts(None, None))
    assert earlier == list(after.iter_carts(None, cutoff))  # same ids, dates and lines
    gained = list(after.iter_carts(cutoff, None))
    assert gained and all(cart["date"].startswith("2020-01-07") for cart in gained)
    assert before.cart(gained[0]["id"]) is None and after.cart(gained[0]["id"]) == gained[0]
