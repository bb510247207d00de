"""audit.ingestion_runs: an attempt whose process dies is marked failed by the next attempt, never
left `running`; a live attempt elsewhere is left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psycopg
import pytest

from fakestore_platform.defs.ingest.audit import ABANDONED, audited_ingestion
from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.scratch_warehouse import fresh_database


@pytest.fixture
def audit_url(databases) -> str:
    return fresh_database(databases, "audit_test")


def start_attempt_in_a_process(url: str, run_id: str) -> subprocess.Popen:
    """A process running one audited attempt that never finishes (until it is killed)."""
    code = textwrap.dedent(f"""
        import time
        from fakestore_platform.defs.ingest.audit import audited_ingestion
        from fakestore_platform.warehouse.connection import connect
        with connect({url!r}, autocommit=True) as conn:
            with audited_ingestion(conn, run_id={run_id!r}, asset="bronze/carts", attempt=1):
                time.sleep(600)
    """)
    return subprocess.Popen([sys.executable, "-c", code])


def status_of(conn: psycopg.Connection, run_id: str) -> tuple[str, str | None]:
    return conn.execute(
        "select status, error from audit.ingestion_runs where run_id = %s", (run_id,)
    ).fetchone()


def wait_until_running(conn: psycopg.Connection, run_id: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if status_of(conn, run_id) == ("running", None):
                return
        except (psycopg.errors.UndefinedTable, TypeError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"the attempt of {run_id} never started")


def test_an_attempt_killed_mid_way_is_failed_by_the_next_attempt_not_left_running(
    audit_url,
) -> None:
    killed = start_attempt_in_a_process(audit_url, "killed-run")
    alive = start_attempt_in_a_process(audit_url, "live-run")
    try:
        with connect(audit_url, autocommit=True) as conn:
            wait_until_running(conn, "killed-run")
            wait_until_running(conn, "live-run")
            os.kill(killed.pid, signal.SIGKILL)
            killed.wait(timeout=30)
            time.sleep(0.5)  # the server notices the closed socket and releases its locks
            with audited_ingestion(conn, run_id="next-run", asset="bronze/products", attempt=1):
                pass
            assert status_of(conn, "killed-run") == ("failed", ABANDONED)
            assert status_of(conn, "live-run") == ("running", None)
            assert status_of(conn, "next-run") == ("succeeded", None)
    finally:
        for process in (killed, alive):
            process.kill()
            process.wait(timeout=30)
