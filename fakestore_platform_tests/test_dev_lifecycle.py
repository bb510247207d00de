"""`fakestore-platform dev` as a user runs and stops it: the local API it serves has carts through
today, and a SIGTERM, SIGHUP or Ctrl-C stops every process it started within seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from contextlib import suppress
from datetime import date, timedelta

import psutil
import pytest

from fakestore_devtools.emulator import FakeStoreDataset
from fakestore_platform.defs.ingest.records import cart_day
from fakestore_platform.dev import STOP_SECONDS, recent_store
from fakestore_platform_tests.dev_server import CLI, REPO, free_port, wait_until_serving


def test_the_local_api_of_dev_has_carts_on_every_day_through_today() -> None:
    today = date(2026, 12, 4)
    store = recent_store(today)
    carts = FakeStoreDataset(store).iter_carts(None, None)
    per_day = Counter(cart_day(cart) for cart in carts)
    days = [today - timedelta(days=n) for n in range(store.days)]
    assert all(per_day[day] > 0 for day in days), sorted(d for d in days if not per_day[d])
    assert max(per_day) == today


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_dev_stops_every_process_it_started(
    platform_env, tmp_path, stop: signal.Signals
) -> None:
    port = free_port()
    log = tmp_path / "dev.log"
    with log.open("wb") as output:
        dev = subprocess.Popen(
            [CLI, "dev", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env={**os.environ, **platform_env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    started: list[psutil.Process] = []
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", dev, log, timeout=180)
        started = psutil.Process(dev.pid).children(recursive=True)
        assert len(started) >= 3  # dagster dev, its webserver, daemon and code server
        sent = time.monotonic()
        dev.send_signal(stop)
        dev.wait(timeout=STOP_SECONDS + 30)
        left = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert left == [], [p.cmdline() for p in left]
        assert time.monotonic() - sent < STOP_SECONDS + 10
    finally:
        dev.kill()
        for process in started:
            with suppress(psutil.NoSuchProcess):
                process.kill()
