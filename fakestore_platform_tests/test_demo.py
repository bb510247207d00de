"""`fakestore-platform demo` (what `make demo` runs), twice, as a user runs it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fakestore_platform.warehouse.connection import connect, with_database
from fakestore_platform_tests.expectations import row_counts

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_warehouse(databases) -> str:
    """A warehouse database of the demo's own on the session's server, given as FAKESTORE_WAREHOUSE_URL."""
    return with_database(databases.warehouse, "demo_warehouse")


def run_demo(
    home: Path, warehouse_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))
    } | env
    env |= {"FAKESTORE_HOME": str(home), "FAKESTORE_WAREHOUSE_URL": warehouse_url}
    return subprocess.run(
        [sys.executable, "-m", "fakestore_platform.cli", "demo", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_demo_prints_full_marts_and_passing_checks_and_a_rerun_under_faults_changes_nothing(
    tmp_path: Path, demo_warehouse: str
) -> None:
    first = run_demo(tmp_path, demo_warehouse)
    assert first.returncode == 0, first.stderr[-5000:]
    out = first.stdout
    assert (
        "Fake Store API: http://127.0.0.1:" in out
    )  # the local API, as FAKESTORE_API_URL is unset
    assert "carts partitions 2020-01-02...2020-02-12 in one run" in out
    assert "Top 10 rows of marts.mart_sales_overview by revenue:" in out
    passed, total = map(int, re.search(r"Checks: (\d+) of (\d+) passed", out).groups())
    assert passed == total >= 80
    mart_rows = {name: int(rows) for name, rows in re.findall(r"marts\.(\w+)\s+(\d+)", out)}
    assert mart_rows["mart_sales_overview"] == 19
    assert len(mart_rows) == 6 and all(mart_rows.values()), mart_rows
    assert out.rstrip().endswith(
        "Open the UI on the same data: .venv/bin/fakestore-platform dev --local-api"
    )
    # A line per step, then the summary; dbt's and Dagster's log in a file, no colour codes here.
    assert "\x1b[" not in out + first.stderr and "Running with dbt" not in out
    assert len(out.splitlines()) < 150
    assert re.search(r"^  done    fakestore_dbt_models  [\d.]+ s$", out, re.MULTILINE)
    (log,) = re.findall(r"^Log of the run \(dbt, Dagster\): (.+)$", out, re.MULTILINE)
    log_text = Path(log).read_text()
    assert Path(log).parent == tmp_path / "logs" and "Running with dbt" in log_text
    assert "\x1b[" not in log_text
    with connect(demo_warehouse) as conn:
        after_first = row_counts(conn)
        mart_first = conn.execute(
            "select * from marts.mart_sales_overview order by 1, 2, 3"
        ).fetchall()

    # Again, with 30% of the API's requests failing (slow ones outlast a 1 s read timeout).
    second = run_demo(
        tmp_path,
        demo_warehouse,
        "--fault-rate",
        "0.3",
        "--fault-seed",
        "5",
        FAKESTORE_API_READ_TIMEOUT="1",
    )
    assert second.returncode == 0, second.stderr[-5000:]
    assert "Faults injected by the local API:" in second.stdout
    with connect(demo_warehouse) as conn:
        after_second = row_counts(conn)
        assert (
            conn.execute("select * from marts.mart_sales_overview order by 1, 2, 3").fetchall()
            == mart_first
        )
    # Products and users keep history (one snapshot batch per run); every other table is unchanged.
    for history in (
        "bronze.products",
        "bronze.users",
        "staging.stg_product_batches",
        "staging.stg_user_batches",
    ):
        assert after_second.pop(history) == 2 * after_first.pop(history), history
    assert after_second == after_first
