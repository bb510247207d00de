"""How the dashboard is served: `streamlit run` on app.py, for `fakestore-platform dashboard` and
`fakestore-platform dev`."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from fakestore_platform.errors import FakestoreError

APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8501


def streamlit_command(host: str, port: int) -> list[str]:
    """Headless, no usage statistics, no file watcher, no developer menu: a server for analysts."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "viewer",
        "--theme.base",
        "light",
    ]


def ensure_port_free(host: str, port: int) -> None:
    """Refuse a port another server holds, in one line, before Streamlit prints its own story."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise FakestoreError(
                f"cannot serve the dashboard on {host}:{port}: {exc.strerror or exc}"
                " (choose another with --port)"
            ) from None
