"""Client edge cases against httpx.MockTransport: retries, budgets, refusals, bad bodies."""

import gc
from base64 import b64encode
from collections.abc import Callable
from datetime import date

import httpx
import orjson
import pytest

from fakestore_platform import __version__
from fakestore_platform.api.client import FakeStoreClient, RetryPolicy
from fakestore_platform.api.models import validate_response
from fakestore_platform.errors import FakeStoreApiError
from fakestore_platform_tests.samples import CART, PRODUCT

Responder = Callable[[httpx.Request], httpx.Response]


def scripted(*steps: httpx.Response | Exception) -> tuple[Responder, list[httpx.Request]]:
    """A transport handler answering each request with the next step, and the requests it saw."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = steps[min(len(seen), len(steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    return handle, seen


def client_for(handler: Responder, sleeps: list[float], **retry: float) -> FakeStoreClient:
    return FakeStoreClient(
        "https://fakestore.test",
        retry=RetryPolicy(**retry),
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        rng=lambda: 0.5,
    )


def ok(body: object) -> httpx.Response:
    return httpx.Response(200, content=orjson.dumps(body))


def test_429_is_retried_after_the_servers_retry_after() -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "7"}), ok([PRODUCT]))
    sleeps: list[float] = []
    batch = client_for(handler, sleeps).products()
    assert batch.valid == [PRODUCT]
    assert sleeps == [7.0]
    assert len(seen) == 2


def test_500_then_200_returns_the_data_after_one_backoff() -> None:
    handler, _ = scripted(httpx.Response(500), ok([PRODUCT]))
    sleeps: list[float] = []
    client = client_for(handler, sleeps, backoff_base=1.0)
    assert client.products().valid == [PRODUCT]
    assert sleeps == [0.75]  # equal jitter: half the 1s ceiling plus rng 0.5 of the other half
    assert client.attempts == 2


def test_backoff_grows_exponentially_up_to_its_cap() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=4.0)
    assert [policy.backoff(n, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert [policy.backoff(n, lambda: 0.0) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    "fault",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.ReadError("connection reset by peer"),
    ],
)
def test_timeouts_and_resets_are_retried(fault: Exception) -> None:
    handler, seen = scripted(fault, ok([CART]))
    batch = client_for(handler, []).carts(date(2020, 3, 2), date(2020, 3, 3))
    assert batch.valid == [CART]
    assert len(seen) == 2


def test_a_truncated_json_body_is_retried() -> None:
    handler, seen = scripted(httpx.Response(200, content=b'[{"id": 1, "ti'), ok([PRODUCT]))
    assert client_for(handler, []).products().valid == [PRODUCT]
    assert len(seen) == 2


def test_giving_up_names_the_url_the_status_and_the_attempts() -> None:
    handler, seen = scripted(httpx.Response(503))
    with pytest.raises(FakeStoreApiError) as caught:
        client_for(handler, [], max_attempts=3).carts(date(2020, 1, 1), date(2020, 2, 1))
    assert str(caught.value) == (
        "GET https://fakestore.test/carts?startdate=2020-01-01&enddate=2020-02-01 "
        "failed after 3 attempts: HTTP 503"
    )
    assert len(seen) == 3


def test_the_retry_budget_bounds_the_total_wait() -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "30"}))
    sleeps: list[float] = []
    with pytest.raises(FakeStoreApiError, match="would exceed the retry budget"):
        client_for(handler, sleeps, max_attempts=10, budget_seconds=45).products()
    assert sleeps == [30.0]
    assert len(seen) == 2


@pytest.mark.parametrize("status", [400, 401, 404])
def test_other_4xx_are_not_retried(status: int) -> None:
    handler, seen = scripted(
        httpx.Response(
            status, content=orjson.dumps({"status": "error", "message": "date format is invalid"})
        )
    )
    with pytest.raises(
        FakeStoreApiError, match=f"refused with HTTP {status} .*date format is invalid"
    ):
        client_for(handler, []).products()
    assert len(seen) == 1


def test_a_body_that_is_not_a_list_is_a_clear_error() -> None:
    handler, _ = scripted(ok({"status": "maintenance"}))
    with pytest.raises(
        FakeStoreApiError, match="answered with a JSON dict where a list of products"
    ):
        client_for(handler, []).products()


def test_one_invalid_record_among_valid_ones_is_rejected_alone() -> None:
    handler, _ = scripted(ok([CART, CART | {"id": 2, "userId": "one"}, CART | {"id": 3}]))
    batch = client_for(handler, []).carts(date(2020, 3, 2), date(2020, 3, 3))
    assert [c["id"] for c in batch.valid] == [1, 3]
    assert batch.rejected[0].reason == "userId: Input should be a valid integer"
    assert batch.url.endswith("/carts?startdate=2020-03-02&enddate=2020-03-03")


def test_a_record_holding_a_nul_is_rejected_alone_and_clean_responses_skip_the_search(
    monkeypatch,
) -> None:
    searched = []
    monkeypatch.setattr(
        "fakestore_platform.api.client.validate_response",
        lambda *args, nul_possible: (
            searched.append(nul_possible) or validate_response(*args, nul_possible=nul_possible)
        ),
    )
    with_nul = CART | {"id": 2, "channel": "a\x00pp"}
    handler, _ = scripted(ok([CART, with_nul, CART | {"id": 3}]), ok([CART]))
    client = client_for(handler, [])
    batch = client.carts(date(2020, 3, 2), date(2020, 3, 3))
    assert [c["id"] for c in batch.valid] == [1, 3]
    assert [r.record for r in batch.rejected] == [with_nul]
    assert client.carts(date(2020, 3, 2), date(2020, 3, 3)).valid == [CART]
    assert searched == [True, False]


def test_the_gc_is_paused_only_while_a_response_is_parsed_and_validated(monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(
        "fakestore_platform.api.client.validate_response",
        lambda *args, **kwargs: seen.append(gc.isenabled()) or validate_response(*args, **kwargs),
    )
    handler, _ = scripted(ok([CART]), ok([CART]), ok({"not": "a list"}))
    client = client_for(handler, [])
    assert client.carts(date(2020, 3, 2), date(2020, 3, 3)).valid == [CART]
    assert seen == [False] and gc.isenabled()  # on again after
    gc.disable()
    try:  # a caller that runs without the GC keeps it off
        client.carts(date(2020, 3, 2), date(2020, 3, 3))
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(FakeStoreApiError):
        client.products()
    assert gc.isenabled()  # and a refused body leaves it on too


def test_requests_carry_a_user_agent_naming_the_project_and_version() -> None:
    handler, seen = scripted(ok(["electronics"]))
    assert client_for(handler, []).categories() == ["electronics"]
    assert seen[0].headers["User-Agent"].startswith(f"fakestore-platform/{__version__}")


def test_an_empty_carts_window_is_a_programming_error() -> None:
    handler, seen = scripted(ok([]))
    with pytest.raises(ValueError, match="must end after it starts"):
        client_for(handler, []).carts(date(2020, 1, 2), date(2020, 1, 2))
    assert seen == []


def test_credentials_in_the_base_url_are_sent_as_basic_auth_and_shown_nowhere() -> None:
    handler, seen = scripted(ok([PRODUCT]), httpx.Response(401))
    client = FakeStoreClient(
        "https://reader:api-password@fakestore.test", transport=httpx.MockTransport(handler)
    )
    batch = client.products()
    with pytest.raises(FakeStoreApiError) as refused:
        client.users()
    assert seen[0].headers["Authorization"] == "Basic " + b64encode(b"reader:api-password").decode()
    assert batch.url == "https://***@fakestore.test/products"
    assert str(refused.value).startswith("GET https://***@fakestore.test/users was refused")
    assert "api-password" not in str(refused.value)
