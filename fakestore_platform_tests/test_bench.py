"""The benchmark harness on a small store (1,000 carts over 40 days: the month's ingest a part of
the whole): every figure measured and reported, every ratio line; and the pre-rendered API its
ingest figure reads, serving the local API's bytes.

Its speed targets are for `make bench` at scale, not asserted here; this keeps the harness working.
"""

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx

from fakestore_devtools.bench.prerendered import prerendered_api, render
from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.api.client import FakeStoreClient
from fakestore_platform.defs.ingest.load import carts_request_windows


def test_a_small_benchmark_prints_its_ratio_lines_and_reports_every_figure(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    command = [
        sys.executable,
        "-m",
        "fakestore_platform.cli",
        "bench",
        "--carts",
        "1000",
        "--days",
        "40",
    ]
    result = subprocess.run(
        [*command, "--repeat", "1", "--report", str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    ratios = dict(
        re.findall(
            r"^(ingest_vs_copy|ingest_vs_copy_with_api|incremental_365_vs_1|overhead_share)=([\d.]+)$",
            result.stdout,
            re.M,
        )
    )
    assert set(ratios) == {
        "ingest_vs_copy",
        "ingest_vs_copy_with_api",
        "incremental_365_vs_1",
        "overhead_share",
    }
    assert all(float(value) > 0 for value in ratios.values())
    text = report.read_text()
    assert "1,000 carts over 40 days" in text
    for figure in (
        "ingest", "ingest (generating API)", "COPY ceiling", "ingest_vs_copy",
        "ingest_vs_copy_with_api", "daily run, 1 day of history",
        "daily run, 40 days of history", "incremental_365_vs_1", "full graph", "real work",
        "overhead share", "UI metadata", "UI metadata share", "definitions load", "bronze backfill",
        "warm demo", "ingest peak memory",
    ):  # fmt: skip
        assert re.search(rf"^\| {re.escape(figure)} \| [\d,.]+ ?\S* \|", text, re.M), figure
    assert "`fakestore_dbt_models`" in text  # the full graph's steps, timed


def test_the_pre_rendered_api_serves_what_the_local_api_served_for_every_request_of_a_load(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig(carts=500, days=40, start=date(2020, 1, 1))
    days = (date(2020, 1, 1), date(2020, 2, 1))
    with serve_in_background(config) as local_url:
        render(local_url, [days], tmp_path)
        with prerendered_api(tmp_path) as rendered_url, FakeStoreClient(local_url) as local:
            with FakeStoreClient(rendered_url) as rendered:
                windows = carts_request_windows(days)
                assert len(windows) == 3  # 33 days, neighbours included, 14 at a time
                for window in windows:
                    assert rendered.carts(*window).valid == local.carts(*window).valid
                assert rendered.products().valid == local.products().valid
                assert rendered.users().valid == local.users().valid
                assert rendered.categories() == local.categories()
            for path in ["/carts", *(f"/carts?startdate={s}&enddate={e}" for s, e in windows)]:
                served, generated = httpx.get(rendered_url + path), httpx.get(local_url + path)
                if path == "/carts":
                    assert served.status_code == 404
                    assert served.json()["message"] == "no pre-rendered response for GET /carts"
                else:
                    assert served.content == generated.content
