"""The API as pre-rendered bytes: what the ingest figure reads, so it measures the loader alone.

The local API generates every cart it serves on the same two cores as the loader and the database,
and that cost was most of what the ingest figure measured. Before timing, the benchmark asks the
local API once for exactly the requests a load will make and keeps the bodies as served; a child
process then answers each of those requests with its bytes (sendfile, no parsing, no JSON) and any
other with a 404 that names it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from fakestore_platform.api.client import CARTS_PATH, carts_query
from fakestore_platform.defs.ingest.load import carts_request_windows
from fakestore_platform.errors import FakestoreError

MANIFEST = "manifest.json"  # request target (path and query, as sent) -> file name
SNAPSHOT_PATHS = ("/products", "/users", "/products/categories")
RENDER_TIMEOUT = 600.0


def render(api_url: str, loads: Iterable[tuple[date, date]], directory: Path) -> int:
    """Keep the local API's bodies for every request the carts loads of `loads` (each the days
    [start, end)) make, and for the snapshots; the number of responses kept."""
    directory.mkdir(parents=True, exist_ok=True)
    requests: dict[tuple[str, tuple[tuple[str, str], ...]], None] = dict.fromkeys(
        (path, ()) for path in SNAPSHOT_PATHS
    )
    for load in loads:
        for window in carts_request_windows(load):
            requests[CARTS_PATH, tuple(carts_query(*window).items())] = None
    manifest = {}
    with httpx.Client(base_url=api_url, timeout=RENDER_TIMEOUT) as client:
        for index, (path, query) in enumerate(requests):
            response = client.get(path, params=dict(query) or None)
            response.raise_for_status()
            name = f"{index:05d}.json"
            (directory / name).write_bytes(response.content)
            manifest[response.request.url.raw_path.decode()] = name
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return len(manifest)


class _BytesHandler(BaseHTTPRequestHandler):
    """Answers a request it has a body for with that body, anything else with a 404."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    server: _BytesServer

    def do_GET(self) -> None:
        name = self.server.manifest.get(self.path)
        if name is None:
            body = json.dumps(
                {"status": "error", "message": f"no pre-rendered response for GET {self.path}"}
            ).encode()
            self._headers(404, len(body))
            self.wfile.write(body)
            return
        with open(self.server.directory / name, "rb") as body_file:
            size = body_file.seek(0, 2)
            self._headers(200, size)
            self.connection.sendfile(body_file, 0, size)

    def _headers(self, status: int, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a request log would cost the server more than the bytes it sends."""


class _BytesServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory: Path) -> None:
        super().__init__(("127.0.0.1", 0), _BytesHandler)
        self.directory = directory
        self.manifest: dict[str, str] = json.loads((directory / MANIFEST).read_text())


def serve(directory: Path) -> None:
    """Serve `directory`'s rendered responses until terminated; the port goes to stdout first."""
    server = _BytesServer(directory)
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextmanager
def prerendered_api(directory: Path) -> Iterator[str]:
    """`directory`'s rendered responses served by a child process; yields its base URL."""
    command = [sys.executable, "-m", "fakestore_devtools.bench.prerendered", str(directory)]
    with tempfile.TemporaryFile() as errors:
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        try:
            port = server.stdout.readline().strip()
            if not port.isdigit():
                server.wait(timeout=30)
                errors.seek(0)
                raise FakestoreError(
                    f"the pre-rendered API did not start: {errors.read().decode()[-500:]}"
                )
            yield f"http://127.0.0.1:{int(port)}"
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
