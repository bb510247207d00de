"""The embedded PostgreSQL: a pgserver-managed server under FAKESTORE_HOME, so no Docker, root or system
install is needed. It is started once, reused by every later process, and stopped only on request."""

from __future__ import annotations

import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from fakestore_platform.errors import WarehouseError

SERVER_USER = "postgres"
# pg_ctl's own default is 60 s: a busy machine's shutdown checkpoint can take longer (seen in tests).
STOP_TIMEOUT_SECONDS = 300


def _pgserver() -> ModuleType:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver copes without it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


@dataclass(frozen=True)
class EmbeddedPostgres:
    """One data directory, one server: `start` is idempotent and returns the server's socket URL."""

    pgdata: Path

    @property
    def log_file(self) -> Path:
        return self.pgdata / "log"

    def start(self) -> str:
        """Initialise the data directory if new, start the server unless it runs, return its URL."""
        running = self.running_url()
        if running is not None:
            return running
        pgserver = _pgserver()
        # pgserver caches one handle per data directory; after a stop that handle is stale.
        pgserver.PostgresServer._instances.pop(self.pgdata.resolve(), None)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            # cleanup_mode=None: the server outlives this process, so the next run reuses it.
            server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            raise WarehouseError(
                f"the embedded PostgreSQL in {self.pgdata} did not start ({exc}); see {self.log_file}"
            ) from exc
        return server.get_uri()

    def running_url(self) -> str | None:
        """The URL of the running server, or None when it is not running."""
        from pgserver.utils import PostmasterInfo

        _pgserver()
        info = PostmasterInfo.read_from_pgdata(self.pgdata) if self.pgdata.exists() else None
        return info.get_uri() if info is not None and info.is_running() else None

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        if self.running_url() is None:
            return False
        pgserver = _pgserver()
        # As root, pgserver runs the server as the data directory's owner, a dedicated system user,
        # who must still reach the directory: pgserver opens its parents to it when it starts, but
        # another program may have closed one since (pytest makes its temp root private at start).
        user = self.pgdata.owner() if os.geteuid() == 0 else None
        if user is not None:
            from pgserver.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.pgdata)
        try:
            pgserver.pg_ctl(
                ["-w", "-t", str(STOP_TIMEOUT_SECONDS), "-m", "fast", "stop"],
                pgdata=self.pgdata,
                user=user,
            )
        except subprocess.SubprocessError as exc:
            raise WarehouseError(
                f"the embedded PostgreSQL in {self.pgdata} did not stop ({exc})"
            ) from exc
        return True
