"""The Fake Store API over one httpx.Client, with bounded retries that never report a failure as data."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx
import orjson

from fakestore_platform import __version__
from fakestore_platform.api.models import Entity, ValidatedBatch, may_hold_nul, validate_response
from fakestore_platform.errors import FakeStoreApiError
from fakestore_platform.redaction import redact_url
from fakestore_platform.settings import (
    DEFAULT_API_CONNECT_TIMEOUT,
    DEFAULT_API_MAX_ATTEMPTS,
    DEFAULT_API_READ_TIMEOUT,
    DEFAULT_API_RETRY_BUDGET,
)

USER_AGENT = f"fakestore-platform/{__version__} (+https://github.com/fakestore-platform)"


CARTS_PATH = "/carts"


def carts_query(start: date, end: date) -> dict[str, str]:
    """The query of a request for the carts dated from `start` to `end` (exclusive)."""
    return {"startdate": start.isoformat(), "enddate": end.isoformat()}


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: at most `max_attempts` requests and `budget_seconds` of waiting in all."""

    max_attempts: int = DEFAULT_API_MAX_ATTEMPTS
    budget_seconds: float = DEFAULT_API_RETRY_BUDGET
    backoff_base: float = 0.5
    backoff_cap: float = 8.0

    def backoff(self, retry_number: int, rng: Callable[[], float]) -> float:
        """Exponential backoff with equal jitter, so concurrent clients spread out."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (retry_number - 1))
        return ceiling / 2 + rng() * ceiling / 2


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic GC off while a response is parsed and validated: that builds hundreds of
    thousands of containers, none in a cycle, and the collections they set off cost more than the
    work (parsing a month of a million carts: 2 us a cart without them, 7 to 9 us with them). Only
    the one who turned it off turns it back on, so overlapping pauses leave it on."""
    turned_off_here = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if turned_off_here:
            gc.enable()


@dataclass(frozen=True)
class _Document:
    """A parsed JSON response, and whether its text holds a NUL escape (see models.may_hold_nul)."""

    body: Any
    may_hold_nul: bool


class _Retryable(Exception):
    """A failed attempt that may succeed if tried again, after `retry_after` seconds if the server said."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _error_message(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200]
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return response.text[:200]


class FakeStoreClient:
    """Reads the Fake Store API; every method returns data or raises FakeStoreApiError."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = DEFAULT_API_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_API_READ_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.attempts = 0
        self._sleep = sleep
        self._rng = rng
        self._http = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            transport=transport,
        )

    def __enter__(self) -> FakeStoreClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        """The URL of a request as messages, metadata and lineage show it: without credentials."""
        return redact_url(str(self._http.build_request("GET", path, params=params).url))

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET a JSON document, retrying transient failures within the retry policy."""
        return self._get_document(path, params).body

    def _get_document(self, path: str, params: dict[str, str] | None = None) -> _Document:
        """get_json's work, keeping what validation needs to know of the response's text."""
        url = self.url(path, params)
        waited = 0.0
        for attempt in range(1, self.retry.max_attempts + 1):
            self.attempts += 1
            try:
                return self._attempt(path, params, url)
            except _Retryable as failure:
                last_failure, retry_after = str(failure), failure.retry_after
            if attempt == self.retry.max_attempts:
                break
            pause = (
                retry_after if retry_after is not None else self.retry.backoff(attempt, self._rng)
            )
            if waited + pause > self.retry.budget_seconds:
                last_failure += f" (next wait of {pause:.1f}s would exceed the retry budget)"
                break
            self._sleep(pause)
            waited += pause
        raise FakeStoreApiError(
            f"GET {url} failed after {attempt} attempt{'s' if attempt > 1 else ''}: {last_failure}",
            retryable=True,
        )

    def _attempt(self, path: str, params: dict[str, str] | None, url: str) -> _Document:
        try:
            response = self._http.get(path, params=params)
        except httpx.TransportError as exc:
            raise _Retryable(
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            ) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retryable(
                f"HTTP {status}", _retry_after_seconds(response) if status in (429, 503) else None
            )
        if status >= 400:
            raise FakeStoreApiError(
                f"GET {url} was refused with HTTP {status} (not retried): {_error_message(response)}"
            )
        try:
            with _gc_paused():
                body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise _Retryable(f"HTTP {status} with an invalid JSON body ({exc})") from exc
        return _Document(body, may_hold_nul(response.content))

    def _get_records(
        self, entity: Entity, path: str, params: dict[str, str] | None = None
    ) -> ValidatedBatch:
        url = self.url(path, params)
        document = self._get_document(path, params)
        body = document.body
        if not isinstance(body, list):
            raise FakeStoreApiError(
                f"GET {url} answered with a JSON {type(body).__name__} where a list of {entity} was expected"
            )
        with _gc_paused():
            return validate_response(entity, url, body, nul_possible=document.may_hold_nul)

    def products(self) -> ValidatedBatch:
        return self._get_records("products", "/products")

    def users(self) -> ValidatedBatch:
        return self._get_records("users", "/users")

    def categories(self) -> list[str]:
        body = self.get_json("/products/categories")
        if not isinstance(body, list) or not all(isinstance(c, str) for c in body):
            raise FakeStoreApiError(
                f"GET {self.url('/products/categories')} did not answer with a list of category names"
            )
        return body

    def carts(self, start: date, end: date) -> ValidatedBatch:
        """Carts dated from `start` (inclusive) to `end` (exclusive), in one request."""
        if end <= start:
            raise ValueError(f"the carts window must end after it starts: {start} .. {end}")
        return self._get_records("carts", CARTS_PATH, carts_query(start, end))
