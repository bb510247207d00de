"""Serve the emulator with uvicorn: in a thread for tests, in the foreground for the CLI."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from fakestore_platform.api.emulator.app import create_app
from fakestore_platform.api.emulator.dataset import EmulatorConfig, FakeStoreDataset


@contextmanager
def serve_in_background(
    config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve the emulator until the block exits and yield its base URL; port 0 picks a free port."""
    app = create_app(FakeStoreDataset(config))
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


def serve_forever(config: EmulatorConfig, host: str, port: int) -> None:
    """Serve the emulator in the foreground until interrupted."""
    uvicorn.run(create_app(FakeStoreDataset(config)), host=host, port=port, log_level="info")
