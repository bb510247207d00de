"""Failures between client and API: errors, throttling, slow answers, drops and broken bodies."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fakestore_devtools.emulator.faults import (
    FAULT_LOG_PATH,
    TRANSPORT_FAULTS,
    FaultConfig,
    FaultLog,
    TransportFault,
    share,
)

_ERROR_STATUSES = (500, 502, 503)


def request_key(scope: Scope) -> str:
    """Method, path and sorted query: one key for one URL however its parameters are ordered."""
    query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    return f"{scope['method']} {scope['path']}?{urlencode(sorted(query))}"


async def _rendered(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """The app's whole response, its start message and body, held so that it can be cut short."""
    start: Message = {}
    body = bytearray()

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        else:
            body.extend(message.get("body", b""))

    await app(scope, receive, keep)
    return start, bytes(body)


def _sized(start: Message, length: int) -> Message:
    """The start message declaring `length` bytes, in place of a length or chunked transfer."""
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return {**start, "headers": [*headers, (b"content-length", str(length).encode())]}


class TransportFaults:
    """ASGI middleware that fails a share of requests the way a real network and API do.

    A request's fault is drawn from the seed, its URL and how often that URL was asked before,
    never from the order requests arrive in, so concurrent clients see the same faults per URL.
    """

    def __init__(self, app: ASGIApp, config: FaultConfig, log: FaultLog) -> None:
        self.app = app
        self.config = config
        self.log = log
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._streaks: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == FAULT_LOG_PATH:
            await self.app(scope, receive, send)
            return
        key = request_key(scope)
        fault, count = self._next_fault(key)
        match fault:
            case "error":
                draw = share(self.config.seed, key, count, "status")
                status = _ERROR_STATUSES[int(draw * len(_ERROR_STATUSES))]
                await PlainTextResponse(HTTPStatus(status).phrase, status)(scope, receive, send)
            case "throttle":
                headers = {"Retry-After": str(self.config.retry_after)}
                await PlainTextResponse("Too Many Requests", 429, headers)(scope, receive, send)
            case "slow":
                await asyncio.sleep(self.config.slow_seconds)
                await self.app(scope, receive, send)
            case "truncate" | "reset":
                start, body = await _rendered(self.app, scope, receive)
                half = body[: len(body) // 2]
                # A truncation is a whole response of half the body. A reset promises the whole
                # body and stops mid-way: returning then makes the server drop the connection.
                reset = fault == "reset"
                await send(_sized(start, len(body) if reset else len(half)))
                await send({"type": "http.response.body", "body": half, "more_body": reset})
            case None:
                await self.app(scope, receive, send)

    def _next_fault(self, key: str) -> tuple[TransportFault | None, int]:
        """The fault for this request of `key`, and how many requests of `key` came before it."""
        with self._lock:
            count = self._requests[key]
            self._requests[key] += 1
            fault = None
            if self._streaks[key] < self.config.max_consecutive_faults:
                fault = self.config.pick(TRANSPORT_FAULTS, share(self.config.seed, key, count))
            self._streaks[key] = self._streaks[key] + 1 if fault else 0
        self.log.count_request(fault)
        return fault, count
