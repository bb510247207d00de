"""Serve the emulator with uvicorn: in a thread for tests, in the foreground for the CLI."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from fakestore_devtools.emulator.app import create_app
from fakestore_devtools.emulator.dataset import EmulatorConfig, FakeStoreDataset
from fakestore_devtools.emulator.faults import FaultConfig, FaultLog


@dataclass(frozen=True)
class FaultyServer:
    """A running emulator that injects faults: where it is, and its count of what it injected."""

    url: str
    log: FaultLog


@dataclass(frozen=True)
class GrowingServer:
    """A running emulator whose store can change while it serves: a new day's carts arriving."""

    url: str
    app: Starlette

    def serve(self, config: EmulatorConfig) -> None:
        """Serve `config`'s store from the next request on."""
        self.app.state.dataset = FakeStoreDataset(config)


@contextmanager
def _serving(app: Starlette, host: str, port: int) -> Iterator[str]:
    """Serve `app` on a thread until the block exits and yield its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    # Binding here, not in uvicorn, is what lets port 0 tell us which port it chose.
    with socket.create_server((host, port)) as sock:
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            while not server.started:
                if not thread.is_alive():
                    raise RuntimeError(f"the Fake Store emulator on {host}:{port} failed to start")
                time.sleep(0.01)
            yield f"http://{host}:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            thread.join()


@contextmanager
def serve_in_background(
    config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve the emulator until the block exits and yield its base URL; port 0 picks a free port."""
    with _serving(create_app(FakeStoreDataset(config)), host, port) as url:
        yield url


@contextmanager
def serve_growing(
    config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0
) -> Iterator[GrowingServer]:
    """Serve the emulator as serve_in_background does, letting the caller replace its store."""
    app = create_app(FakeStoreDataset(config))
    with _serving(app, host, port) as url:
        yield GrowingServer(url=url, app=app)


@contextmanager
def serve_with_faults(
    config: EmulatorConfig, faults: FaultConfig, host: str = "127.0.0.1", port: int = 0
) -> Iterator[FaultyServer]:
    """Serve the emulator injecting `faults` until the block exits, as serve_in_background does."""
    app = create_app(FakeStoreDataset(config), faults)
    with _serving(app, host, port) as url:
        yield FaultyServer(url=url, log=app.state.fault_log)


def serve_forever(
    config: EmulatorConfig, host: str, port: int, faults: FaultConfig | None = None
) -> None:
    """Serve the emulator in the foreground until interrupted."""
    app = create_app(FakeStoreDataset(config), faults)
    uvicorn.run(app, host=host, port=port, log_level="info")
