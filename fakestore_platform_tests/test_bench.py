"""The benchmark harness at 10,000 carts: every figure measured and reported, both ratio lines.

Its speed targets are for `make bench` at scale, not asserted here; this keeps the harness working.
"""

import os
import re
import subprocess
import sys
from pathlib import Path


def test_a_small_benchmark_prints_both_ratios_and_reports_every_figure(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    command = [sys.executable, "-m", "fakestore_platform.cli", "bench", "--carts", "10000"]
    result = subprocess.run(
        [*command, "--repeat", "1", "--report", str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    ratios = dict(
        re.findall(r"^(ingest_vs_copy|incremental_365_vs_1)=([\d.]+)$", result.stdout, re.M)
    )
    assert set(ratios) == {"ingest_vs_copy", "incremental_365_vs_1"}
    assert all(float(value) > 0 for value in ratios.values())
    text = report.read_text()
    assert "10,000 carts over 365 days" in text
    for figure in (
        "ingest", "COPY ceiling", "ingest_vs_copy", "daily run, 1 day of history",
        "daily run, 365 days of history", "incremental_365_vs_1", "full graph", "real work",
        "overhead share", "UI metadata", "UI metadata share", "definitions load", "ingest peak memory",
    ):  # fmt: skip
        assert re.search(rf"^\| {re.escape(figure)} \| [\d,.]+ ?\S* \|", text, re.M), figure
    assert "`fakestore_dbt_models`" in text  # the full graph's steps, timed
