"""The local Fake Store API's injected faults, as an HTTP client on loopback really sees them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from typing import Any

import httpx
import orjson
import pytest

from fakestore_devtools.emulator import (
    EmulatorConfig,
    FaultConfig,
    FaultyServer,
    serve_in_background,
    serve_with_faults,
)
from fakestore_platform.api.client import FakeStoreClient, RetryPolicy
from fakestore_platform.api.models import Entity, validate_records
from fakestore_platform.cli import main

# More than 1000 carts, so the carts list is streamed in several chunks.
STORE = EmulatorConfig(products=60, users=60, carts=1500, days=5)
ROUTES = (
    "/products",
    "/products/categories",
    "/products/category/jewelery",
    "/products/7",
    "/users",
    "/carts",
    "/carts?sort=desc&limit=5",
    "/carts/user/3",
)
ENTITY_ROUTES: tuple[tuple[Entity, str], ...] = (
    ("products", "/products"),
    ("users", "/users"),
    ("carts", "/carts"),
)
NO_SLOW_FAULTS = FaultConfig(
    seed=5, error_rate=0.15, throttle_rate=0.15, reset_rate=0.15, truncate_rate=0.15
)
SPOILED = FaultConfig(seed=3, invalid_rate=0.3, drift_rate=0.3, duplicate_rate=0.1)


@contextmanager
def faulty_api(
    faults: FaultConfig, timeout: float = 5.0
) -> Iterator[tuple[FaultyServer, httpx.Client]]:
    with (
        serve_with_faults(STORE, faults) as server,
        httpx.Client(base_url=server.url, timeout=timeout) as client,
    ):
        yield server, client


@pytest.fixture(scope="module")
def clean() -> Iterator[httpx.Client]:
    with serve_in_background(STORE) as url, httpx.Client(base_url=url) as client:
        yield client


@pytest.fixture(scope="module")
def spoiled() -> Iterator[httpx.Client]:
    with faulty_api(SPOILED) as (_, client):
        yield client


def observe(client: httpx.Client, path: str) -> str:
    """What a client saw: ok, an error status, a 429 and its wait, timeout, reset or truncated."""
    try:
        response = client.get(path)
    except httpx.ReadTimeout:
        return "timeout"
    except httpx.RemoteProtocolError:
        return "reset"
    return observe_response(response)


def observe_response(response: httpx.Response) -> str:
    if response.status_code == 429:
        return f"429 retry after {response.headers['Retry-After']}"
    if response.status_code != 200:
        return str(response.status_code)
    try:
        orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return "truncated"
    return "ok"


def fault_kind(outcome: str) -> str | None:
    """The fault kind the server logs for what the client observed."""
    if outcome in ("500", "502", "503"):
        return "error"
    if outcome.startswith("429"):
        return "throttle"
    return {"timeout": "slow", "reset": "reset", "truncated": "truncate"}.get(outcome)


def records(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return orjson.loads(response.content)


def without_repeats(served: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records without the copies that the duplicate fault puts right after their originals."""
    return [record for i, record in enumerate(served) if i == 0 or record != served[i - 1]]


def added_fields(served: Any, clean: Any, path: str = "") -> set[str]:
    """Field paths in `served` that `clean` lacks, looking inside the fields both have."""
    if isinstance(served, list) and isinstance(clean, list):
        pairs = enumerate(zip(served, clean, strict=False))
        return set().union(*(added_fields(s, c, f"{path}{i}.") for i, (s, c) in pairs))
    if not (isinstance(served, dict) and isinstance(clean, dict)):
        return set()
    added = {f"{path}{key}" for key in served.keys() - clean.keys()}
    for key in served.keys() & clean.keys():
        added |= added_fields(served[key], clean[key], f"{path}{key}.")
    return added


def test_an_error_fault_answers_500_502_or_503() -> None:
    with faulty_api(FaultConfig(error_rate=1.0)) as (_, client):
        outcomes = {observe(client, f"/products/{product_id}") for product_id in range(1, 31)}
    assert outcomes == {"500", "502", "503"}


def test_a_throttle_fault_answers_429_with_the_configured_retry_after() -> None:
    with faulty_api(FaultConfig(throttle_rate=1.0, retry_after=2)) as (_, client):
        assert observe(client, "/users") == "429 retry after 2"


def test_a_slow_fault_times_a_client_out_and_answers_late_one_that_waits(
    clean: httpx.Client,
) -> None:
    with faulty_api(FaultConfig(slow_rate=1.0, slow_seconds=0.4), timeout=0.1) as (_, client):
        assert observe(client, "/users") == "timeout"
        started = time.monotonic()
        response = client.get("/users", timeout=3.0)
        assert time.monotonic() - started >= 0.4
        assert response.content == clean.get("/users").content


def test_a_reset_drops_the_connection_after_half_the_declared_body(clean: httpx.Client) -> None:
    body = clean.get("/products").content
    received = bytearray()
    with (
        faulty_api(FaultConfig(reset_rate=1.0)) as (_, client),
        client.stream("GET", "/products") as response,
    ):
        assert int(response.headers["content-length"]) == len(body)
        with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
            for chunk in response.iter_raw():
                received.extend(chunk)
    assert bytes(received) == body[: len(body) // 2]


@pytest.mark.parametrize("path", ["/products", "/carts"])
def test_a_truncated_body_is_a_complete_200_of_broken_json(clean: httpx.Client, path: str) -> None:
    body = clean.get(path).content
    with faulty_api(FaultConfig(truncate_rate=1.0)) as (_, client):
        response = client.get(path)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content == body[: len(body) // 2]
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


def test_after_three_faults_in_a_row_a_url_is_answered_whatever_its_query_order() -> None:
    with faulty_api(FaultConfig(error_rate=1.0)) as (_, client):
        tries = [
            observe(client, "/carts?sort=desc&limit=5" if n % 2 else "/carts?limit=5&sort=desc")
            for n in range(8)
        ]
        other_url = observe(client, "/carts?limit=6&sort=desc")
    assert [outcome == "ok" for outcome in tries] == [False, False, False, True] * 2
    assert other_url != "ok"


def test_the_projects_client_gets_through_a_server_that_always_fails() -> None:
    faults = FaultConfig(
        seed=1,
        error_rate=0.2,
        throttle_rate=0.2,
        slow_rate=0.2,
        slow_seconds=0.3,
        reset_rate=0.2,
        truncate_rate=0.2,
    )
    with (
        serve_with_faults(STORE, faults) as server,
        FakeStoreClient(
            server.url, read_timeout=0.1, retry=RetryPolicy(max_attempts=4), sleep=lambda _: None
        ) as client,
    ):
        assert client.products().fetched == STORE.products
        assert client.attempts == 4


def test_one_seed_gives_each_url_the_same_faults_however_requests_interleave() -> None:
    tries = range(6)
    with faulty_api(NO_SLOW_FAULTS) as (_, first), faulty_api(NO_SLOW_FAULTS) as (_, second):
        round_robin = [(path, observe(first, path)) for _ in tries for path in ROUTES]
        one_url_at_a_time = [(path, observe(second, path)) for path in ROUTES[::-1] for _ in tries]
    with faulty_api(replace(NO_SLOW_FAULTS, seed=6)) as (_, other):
        reseeded = [(path, observe(other, path)) for _ in tries for path in ROUTES]

    def by_url(outcomes: list[tuple[str, str]]) -> dict[str, list[str]]:
        return {path: [seen for p, seen in outcomes if p == path] for path in ROUTES}

    assert by_url(round_robin) == by_url(one_url_at_a_time)
    assert by_url(round_robin) != by_url(reseeded)
    assert {fault_kind(seen) for _, seen in round_robin} == {
        None,
        "error",
        "throttle",
        "reset",
        "truncate",
    }


def test_the_fault_log_counts_the_faults_the_client_saw(clean: httpx.Client) -> None:
    with faulty_api(NO_SLOW_FAULTS) as (server, client):
        outcomes = [observe(client, path) for _ in range(5) for path in ROUTES]
        counts = server.log.counts()
        published = client.get("/__faults").json()
    seen = Counter(fault_kind(outcome) for outcome in outcomes)
    assert counts["requests"] == len(outcomes)
    assert counts["requests_faulted"] == {
        kind: seen[kind] for kind in ("error", "throttle", "slow", "reset", "truncate")
    }
    assert published == {"config": asdict(NO_SLOW_FAULTS), **counts}
    assert clean.get("/__faults").status_code == 404


def test_the_fault_log_counts_the_records_the_client_saw_spoiled(clean: httpx.Client) -> None:
    seen: Counter[str] = Counter()
    with faulty_api(SPOILED) as (server, client):
        for entity, path in ENTITY_ROUTES:
            served = records(client, path)
            distinct = without_repeats(served)
            unspoiled = {record["id"]: record for record in records(clean, path)}
            batch = validate_records(entity, path, distinct)
            seen["invalid"] += len(batch.rejected)
            seen["drift"] += len([r for r in batch.valid if r != unspoiled[r["id"]]])
            seen["duplicate"] += len(served) - len(distinct)
        counts = server.log.counts()
    assert counts["records_faulted"] == dict(seen)
    assert all(seen.values())


@pytest.mark.parametrize(
    ("entity", "path", "field_paths"),
    [
        ("products", "/products", {"price", "title", "rating.count"}),
        ("users", "/users", {"id", "email", "address.number"}),
        ("carts", "/carts", {"userId", "products.0.quantity", "date"}),
    ],
)
def test_invalid_records_fail_the_projects_validation_at_a_field_path(
    spoiled: httpx.Client, entity: Entity, path: str, field_paths: set[str]
) -> None:
    batch = validate_records(entity, path, without_repeats(records(spoiled, path)))
    assert batch.valid
    assert {e["path"] for rejection in batch.rejected for e in rejection.errors} == field_paths


@pytest.mark.parametrize(
    ("entity", "path", "field_paths"),
    [
        ("products", "/products", {"discount", "rating.source"}),
        ("users", "/users", {"loyaltyTier", "address.country"}),
        ("carts", "/carts", {"channel", "products.0.giftWrap"}),
    ],
)
def test_drifted_records_stay_valid_and_carry_one_unknown_field(
    clean: httpx.Client, spoiled: httpx.Client, entity: Entity, path: str, field_paths: set[str]
) -> None:
    unspoiled = {record["id"]: record for record in records(clean, path)}
    valid = validate_records(entity, path, without_repeats(records(spoiled, path))).valid
    drifted = [record for record in valid if record != unspoiled[record["id"]]]
    added = [added_fields(record, unspoiled[record["id"]]) for record in drifted]
    assert all(len(fields) == 1 for fields in added)
    assert set().union(*added) == field_paths


@pytest.mark.parametrize("path", ["/products", "/users", "/carts"])
def test_a_duplicated_record_repeats_identically_right_after_itself(
    clean: httpx.Client, spoiled: httpx.Client, path: str
) -> None:
    served = records(spoiled, path)
    repeats = [i for i in range(1, len(served)) if served[i] == served[i - 1]]
    assert repeats
    assert len(served) == len(records(clean, path)) + len(repeats)
    assert max(Counter(str(record["id"]) for record in served).values()) == 2


def test_a_record_is_spoiled_the_same_way_in_every_fetch_route_and_run(
    spoiled: httpx.Client,
) -> None:
    def by_id(path: str) -> dict[str, dict[str, Any]]:
        return {str(record["id"]): record for record in records(spoiled, path)}

    assert spoiled.get("/products").content == spoiled.get("/products").content
    for everything, part in (
        ("/products", "/products?sort=desc&limit=20"),
        ("/products", "/products/category/jewelery"),
        ("/users", "/users?sort=desc"),
        ("/carts", "/carts/user/3"),
    ):
        whole, some = by_id(everything), by_id(part)
        assert some == {key: whole[key] for key in some}, part
    with faulty_api(SPOILED) as (_, rerun):
        for _, path in ENTITY_ROUTES:
            assert rerun.get(path).content == spoiled.get(path).content, path


def test_carts_are_still_streamed_with_record_faults(spoiled: httpx.Client) -> None:
    with spoiled.stream("GET", "/carts") as response:
        chunks = list(response.iter_raw())
        assert response.headers["transfer-encoding"] == "chunked"
    assert len(chunks) > 1
    assert len(orjson.loads(b"".join(chunks))) > STORE.carts


def test_faults_that_are_all_off_serve_the_bytes_of_a_server_without_faults(
    clean: httpx.Client,
) -> None:
    with faulty_api(FaultConfig()) as (_, client):
        for path in ROUTES:
            faultless, served = clean.get(path), client.get(path)
            assert served.content == faultless.content, path
            assert served.headers["content-type"] == faultless.headers["content-type"], path


def test_a_request_the_faults_spare_serves_the_unfaulted_bytes(clean: httpx.Client) -> None:
    with faulty_api(FaultConfig(seed=5, error_rate=0.3, truncate_rate=0.3)) as (_, client):
        served = [(path, client.get(path)) for _ in range(4) for path in ROUTES]
    spared = [(path, r.content) for path, r in served if observe_response(r) == "ok"]
    assert 0 < len(spared) < len(served)
    assert all(content == clean.get(path).content for path, content in spared)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"error_rate": 1.5}, "error_rate must be a share from 0 to 1, got 1.5"),
        ({"drift_rate": -0.1}, "drift_rate must be a share from 0 to 1, got -0.1"),
        ({"error_rate": 0.6, "reset_rate": 0.6}, "must add up to 1 at the most, got 1.2"),
        ({"slow_seconds": -1}, "slow_seconds must be 0 or more, got -1"),
    ],
)
def test_fault_config_refuses_impossible_rates(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("+", r"\+")):
        FaultConfig(**changes)


def test_the_api_command_refuses_a_rate_above_1_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["api", "--error-rate", "1.5"])
    stderr = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "argument --error-rate: expected a share from 0 to 1, got '1.5'" in stderr
    assert "Traceback" not in stderr


def test_the_api_command_spreads_fault_rate_over_the_transport_faults() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        *(sys.executable, "-m", "fakestore_platform.cli", "api", "--port", str(port)),
        *("--fault-rate", "0.5", "--truncate-rate", "0", "--duplicate-rate", "0.2"),
        *("--fault-seed", "9"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                config = httpx.get(f"http://127.0.0.1:{port}/__faults", timeout=2).json()["config"]
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the local API did not start within 30 s"
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert config == asdict(
        FaultConfig(
            seed=9,
            error_rate=0.1,
            throttle_rate=0.1,
            slow_rate=0.1,
            reset_rate=0.1,
            duplicate_rate=0.2,
        )
    )
