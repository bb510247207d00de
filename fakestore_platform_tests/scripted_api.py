"""A loopback Fake Store API that serves exactly the records a test gives it, changeable between runs:
for upstream changes the emulator's generated store cannot make (a cart moved to another day, a new
category, a cart line naming a product the API does not serve, hand-made bad values)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass
class ScriptedApi:
    """The records served by `/products`, `/users` and `/carts?startdate&enddate` (carts dated in
    [startdate, enddate), naive bounds meaning UTC, as the emulator serves them). `carts_by_window`
    overrides which carts a window serves: {(startdate, enddate): [carts]} for a source that files a
    cart under another day than its date says."""

    products: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    carts: list[dict[str, Any]] = field(default_factory=list)
    carts_by_window: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def carts_between(self, start: str | None, end: str | None) -> list[dict[str, Any]]:
        if (start, end) in self.carts_by_window:
            return self.carts_by_window[(start, end)]
        low = _moment(start) if start else None
        high = _moment(end) if end else None
        return [
            cart
            for cart in self.carts
            if (low is None or _moment(cart["date"]) >= low)
            and (high is None or _moment(cart["date"]) < high)
        ]

    def body(self, target: str) -> bytes | None:
        self.requests.append(target)
        parts = urlsplit(target)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        served = {
            "/products": lambda: self.products,
            "/users": lambda: self.users,
            "/carts": lambda: self.carts_between(query.get("startdate"), query.get("enddate")),
        }.get(parts.path)
        return None if served is None else orjson.dumps(served())

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on a free loopback port; yields the base URL."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = api.body(self.path)
                self.send_response(404 if body is None else 200)
                self.send_header("Content-Type", "application/json")
                payload = b'{"error": "not found"}' if body is None else body
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
