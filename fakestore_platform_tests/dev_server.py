"""`fakestore-platform dev` as a user starts it, on a free port, for tests that drive the Dagster UI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import httpx

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("fakestore-platform"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(log: Path, chars: int = 4000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no output)"


def wait_until_serving(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    timeout: float,
    path: str = "/server_info",
) -> None:
    """Poll a server's `path` (the Dagster webserver's /server_info by default) until it answers
    200; fail at once, with the output, if the command exits."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"`{' '.join(map(str, process.args))}` exited with {process.returncode}:\n{_tail(log)}"
            )
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url}{path} did not answer within {timeout:.0f} s:\n{_tail(log)}")
        time.sleep(0.5)


@contextmanager
def _interruptible_children() -> Iterator[None]:
    """A shell that starts this process in the background hands it SIGINT ignored, which children
    inherit: dagster dev would then ignore Ctrl-C and SIGTERM (it maps SIGTERM to SIGINT's handler).
    With a handler installed here, a child starts with SIGINT at its default instead."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 30) -> None:
    """Ctrl-C to the whole group, as a terminal sends it, so dagster dev shuts its webserver, daemon,
    code server and run workers down cleanly; SIGKILL whatever outlives the grace period."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever outlived the Ctrl-C, if anything
    process.wait()


def cancel_runs_left_behind(since: datetime) -> list[str]:
    """Runs created since `since` and not finished once the daemon is gone (queued, or in a worker
    that was killed) would hold the shared instance's queue and pool slots: cancel them and free
    their slots. Reads the instance of this process's DAGSTER_HOME, which the fixtures set."""
    unfinished = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(dg.RunsFilter(statuses=unfinished, created_after=since))
        for run in runs:
            instance.report_run_canceled(run, message="the test's dagster dev stopped")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [run.run_id for run in runs]


@contextmanager
def dev_server(
    env: Mapping[str, str], log: Path, timeout: float = 120, extra_args: tuple[str, ...] = ()
) -> Iterator[str]:
    """Run `fakestore-platform dev` from the repository root (workspace.yaml) and yield its UI's URL.

    It runs in a session of its own, so stopping it reaches every process dagster dev started, run
    workers included; runs the daemon launched meanwhile and left unfinished are then cancelled."""
    started = datetime.now(UTC)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output, _interruptible_children():
        process = subprocess.Popen(
            [CLI, "dev", "--host", "127.0.0.1", "--port", str(port), *extra_args],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(url, process, log, timeout)
        yield url
    finally:
        stop_process_group(process)
        cancel_runs_left_behind(started)
