"""The Fake Store API's routes and query semantics over a FakeStoreDataset, as a Starlette app."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from itertools import islice
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from fakestore_devtools.emulator.dataset import FakeStoreDataset
from fakestore_devtools.emulator.faults import FAULT_LOG_PATH, FaultConfig, FaultLog
from fakestore_devtools.emulator.record_faults import RecordFaults
from fakestore_devtools.emulator.transport_faults import TransportFaults
from fakestore_platform.api.models import Entity

_CARTS_PER_CHUNK = 1000
_NUMERIC_ID = re.compile(r"-?[0-9]+")


class JsonResponse(Response):
    """JSON by orjson: fast, and non-ASCII text written as raw UTF-8, as the real API writes it."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class BadRequest(Exception):
    """A request the real API refuses with a 400 and a `{"status": "error"}` body."""


def _bad_request(request: Request, exc: Exception) -> Response:
    return JsonResponse({"status": "error", "message": str(exc)}, status_code=400)


def _dataset(request: Request) -> FakeStoreDataset:
    return request.app.state.dataset


def _path_id(request: Request, entity: str) -> int:
    value = request.path_params["id"]
    if not _NUMERIC_ID.fullmatch(value):
        raise BadRequest(f"{entity} id should be provided")
    return int(value)


def _limit(request: Request) -> int:
    """The real API's `Number(limit) || 0`: junk and 0 mean no limit; Mongo reads -n as n."""
    try:
        limit = float(request.query_params.get("limit") or 0)
    except ValueError:
        return 0
    return int(abs(limit)) if math.isfinite(limit) else 0


def _descending(request: Request) -> bool:
    return request.query_params.get("sort") == "desc"


def _date_param(request: Request, name: str) -> datetime | None:
    """An empty or missing date is no bound, as `req.query.startdate || default` makes it."""
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            f"{name} should be a date like 2020-01-01 or an ISO datetime, got {value!r}"
        ) from None


def _served(
    entity: Entity, records: Iterable[dict[str, Any]], request: Request
) -> Iterator[dict[str, Any]]:
    """The records as the configured record faults serve them, or untouched without any."""
    record_faults: RecordFaults | None = request.app.state.record_faults
    return iter(records) if record_faults is None else record_faults.served(entity, records)


def _arranged(entity: Entity, records: list[dict[str, Any]], request: Request) -> JsonResponse:
    """Records already ascending by id, sorted and limited as the query asks."""
    if _descending(request):
        records = records[::-1]
    limit = _limit(request)
    return JsonResponse(list(_served(entity, records[:limit] if limit else records, request)))


def _cart_stream(carts: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    """The bytes of `orjson.dumps(list(carts))`, a chunk at a time so no list is ever held."""
    yield b"["
    separator = b""
    while chunk := list(islice(carts, _CARTS_PER_CHUNK)):
        yield separator + b",".join(map(orjson.dumps, chunk))
        separator = b","
    yield b"]"


def _cart_filters(request: Request) -> dict[str, Any]:
    """The date window and order both cart list routes take, as keyword arguments."""
    return {
        "start": _date_param(request, "startdate"),
        "end": _date_param(request, "enddate"),
        "descending": _descending(request),
    }


def _carts_response(carts: Iterator[dict[str, Any]], request: Request) -> StreamingResponse:
    limit = _limit(request)
    carts = _served("carts", islice(carts, limit) if limit else carts, request)
    return StreamingResponse(_cart_stream(carts), media_type="application/json")


def list_products(request: Request) -> JsonResponse:
    return _arranged("products", _dataset(request).products(), request)


def get_product(request: Request) -> JsonResponse:
    return JsonResponse(_dataset(request).product(_path_id(request, "product")))


def list_categories(request: Request) -> JsonResponse:
    return JsonResponse(_dataset(request).categories())


def list_category_products(request: Request) -> JsonResponse:
    name = request.path_params["name"]
    products = [p for p in _dataset(request).products() if p["category"] == name]
    return _arranged("products", products, request)


def list_users(request: Request) -> JsonResponse:
    return _arranged("users", _dataset(request).users(), request)


def get_user(request: Request) -> JsonResponse:
    return JsonResponse(_dataset(request).user(_path_id(request, "user")))


def list_carts(request: Request) -> StreamingResponse:
    return _carts_response(_dataset(request).iter_carts(**_cart_filters(request)), request)


def get_cart(request: Request) -> JsonResponse:
    return JsonResponse(_dataset(request).cart(_path_id(request, "cart")))


def list_user_carts(request: Request) -> StreamingResponse:
    user_id = _path_id(request, "user")
    carts = _dataset(request).carts_of_user(user_id, **_cart_filters(request))
    return _carts_response(carts, request)


def fault_log(request: Request) -> JsonResponse:
    """The faults configured and those injected so far, for a reliability report."""
    state = request.app.state
    return JsonResponse({"config": asdict(state.faults), **state.fault_log.counts()})


def create_app(dataset: FakeStoreDataset, faults: FaultConfig | None = None) -> Starlette:
    """The emulator's ASGI app: every route of the real API, no auth, no pagination.

    With `faults`, it also fails requests and spoils records as they ask, and serves its count of
    them at /__faults; without, it serves exactly what it always did.
    """
    app = Starlette(
        routes=[
            Route("/products", list_products),
            Route("/products/categories", list_categories),
            Route("/products/category/{name}", list_category_products),
            Route("/products/{id}", get_product),
            Route("/users", list_users),
            Route("/users/{id}", get_user),
            Route("/carts", list_carts),
            Route("/carts/user/{id}", list_user_carts),
            Route("/carts/{id}", get_cart),
        ],
        exception_handlers={BadRequest: _bad_request},
    )
    app.state.dataset = dataset
    app.state.faults = faults
    app.state.fault_log = app.state.record_faults = None
    if faults is not None:
        app.state.fault_log = log = FaultLog()
        app.state.record_faults = RecordFaults(faults, log)
        app.add_middleware(TransportFaults, config=faults, log=log)
        app.add_route(FAULT_LOG_PATH, fault_log)
    return app
