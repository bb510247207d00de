"""`fakestore-platform dev`: the Dagster webserver and daemon on the platform's own instance, and the
analysts' dashboard beside them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import ExitStack, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import psutil

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.dashboard.server import ensure_port_free, streamlit_command
from fakestore_platform.errors import FakestoreError
from fakestore_platform.instance import dagster_environment, write_project_env
from fakestore_platform.redaction import redact_url
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.connection import database_urls, reader_url

if TYPE_CHECKING:
    import dagster as dg

WORKSPACE = Path(__file__).resolve().parents[1] / "workspace.yaml"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOPPING = "Stopped with `fakestore-platform dev`."


# Carts a day in the local API's recent store: enough that every day has some, today included (the
# real API's 7 carts over two months left the last 11 days empty).
RECENT_CARTS_PER_DAY = 10
# How long dagster dev gets to stop its webserver, daemon, code server and run workers on Ctrl-C.
STOP_SECONDS = 20


def recent_store(today: date | None = None) -> EmulatorConfig:
    """The local API's default store, its two months of carts ending today, so the schedules and
    the new-carts sensor, which look at recent days, find carts to load."""
    today = today or datetime.now(UTC).date()
    days = EmulatorConfig.days
    return EmulatorConfig(
        start=today - timedelta(days=days - 1), days=days, carts=days * RECENT_CARTS_PER_DAY
    )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def stop_session(process: subprocess.Popen[bytes], *others: subprocess.Popen[bytes]) -> int:
    """Ctrl-C to every process dagster dev started (its session), and to the other sessions (the
    dashboard's), as a terminal sends it; SIGKILL whatever outlives STOP_SECONDS: no webserver,
    daemon, code server or dashboard is left behind. Returns dagster dev's exit code."""
    sessions = (process, *others)
    for session in sessions:
        with suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGINT)
    for session in sessions:
        with suppress(subprocess.TimeoutExpired):
            session.wait(timeout=STOP_SECONDS)  # all stop at once: the first wait covers the rest
    for session in sessions:
        with suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGKILL)
        session.wait()
    return process.returncode


def start_dashboard(
    settings: Settings, env: dict[str, str], host: str, port: int
) -> subprocess.Popen[bytes] | None:
    """The dashboard in a session of its own, or None (and one line why) when it cannot serve:
    no reader password, or its port taken. The Dagster UI runs either way."""
    try:
        reader_url(settings)
        ensure_port_free(host, port)
    except FakestoreError as exc:
        print(f"Dashboard not started: {exc}", flush=True)
        return None
    print(f"Dashboard on http://{host}:{port} (the marts, read as fakestore_reader)", flush=True)
    return subprocess.Popen(
        streamlit_command(host, port), env=env, cwd=settings.home, start_new_session=True
    )


def run_dev(
    settings: Settings, host: str, port: int, local_api: bool, dashboard_port: int | None = None
) -> int:
    """Run `dagster dev` (webserver + daemon: schedules, sensors, automation) and, on
    `dashboard_port`, the dashboard, until interrupted."""
    urls = database_urls(settings)
    with ExitStack() as stack:
        api_url = (
            stack.enter_context(serve_in_background(recent_store()))
            if local_api
            else settings.api_url
        )
        env = {**os.environ, **dagster_environment(settings, urls, api_url)}
        write_project_env(settings, Path.cwd())
        print(
            f"Dagster UI on http://{host}:{port} (Fake Store API: {redact_url(api_url)}; Ctrl-C stops it)",
            flush=True,
        )
        dagster = str(Path(sys.executable).with_name("dagster"))
        command = [dagster, "dev", "-w", str(WORKSPACE), "--host", host, "--port", str(port)]
        # A session of its own, so stopping it reaches every process it starts; SIGINT at its
        # default (a shell's background job hands it ignored, and dagster dev would inherit that).
        previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # Run in FAKESTORE_HOME, which has no .env: Dagster would let a project's .env override the
        # environment built here (another instance's DAGSTER_HOME, say).
        process = subprocess.Popen(command, env=env, cwd=settings.home, start_new_session=True)
        dashboard = (
            None if dashboard_port is None else start_dashboard(settings, env, host, dashboard_port)
        )
        others = () if dashboard is None else (dashboard,)
        for sig in STOP_SIGNALS:
            signal.signal(sig, _raise_interrupt)
        try:
            process.wait()
            return stop_session(process, *others)  # dagster dev ended: the dashboard goes too
        except KeyboardInterrupt:
            cancel_runs_of(process, settings)
            return stop_session(process, *others)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            end_runs_left_behind(settings)


def _instance(settings: Settings) -> dg.DagsterInstance:
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(settings.dagster_home)))


def cancel_runs_of(session: subprocess.Popen[bytes], settings: Settings) -> list[str]:
    """Mark the runs whose workers this dev started as canceling, so the Ctrl-C that stops them
    ends them canceled (a termination asked for) rather than failed ("interrupted unexpectedly").
    Runs of other processes (a `materialize` in another shell) are not touched."""
    import dagster as dg

    from fakestore_platform.run_workers import logged_worker

    canceling = []
    try:
        workers = {child.pid for child in psutil.Process(session.pid).children(recursive=True)}
        with _instance(settings) as instance:
            started = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
            for run in started:
                logged = logged_worker(instance, run.run_id)
                if logged is not None and logged[0] in workers:
                    instance.report_run_canceling(run, message=STOPPING)
                    canceling.append(run.run_id)
    except Exception as exc:  # stopping dev must not depend on the instance being reachable
        print(f"could not mark dev's runs as canceling ({exc}); they may end failed", flush=True)
    return canceling


def end_runs_left_behind(settings: Settings) -> list[str]:
    """Cancel the runs whose workers stopped with dev and free their pool slots: a run interrupted
    mid-step would otherwise hold the warehouse pool, and the next `dg launch` or dagster command,
    which runs no daemon to notice, would wait for it forever. Stopped, not failed: nothing went
    wrong with the run, so the failure sensor and its webhook are not told."""
    from fakestore_platform.run_workers import free_slots_of_ended_runs, runs_of_dead_workers

    with _instance(settings) as instance:
        stopped = runs_of_dead_workers(instance)
        for run, _ in stopped:
            instance.report_run_canceled(run, message=STOPPING)
        free_slots_of_ended_runs(instance)
    return [run.run_id for run, _ in stopped]
