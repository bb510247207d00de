"""The whole graph through the dagster CLI, as the README tells users to run it."""

import os
import subprocess
import sys
from pathlib import Path

from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.expectations import (
    ApiData,
    assert_no_password_anywhere,
    assert_warehouse_matches_api,
)

REPO = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).with_name("dagster"))


def dagster_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DAGSTER, *args],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_definitions_validate(platform_env) -> None:
    result = dagster_cli("definitions", "validate", "-w", "workspace.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "All code locations passed validation" in result.stderr + result.stdout


def test_asset_materialize_over_a_partition_range_fills_every_layer(
    platform_env, databases, local_api
) -> None:
    result = dagster_cli(
        "asset",
        "materialize",
        "-m",
        "fakestore_platform.definitions",
        "--select",
        "*",
        "--partition-range",
        "2020-01-01...2020-03-02",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert output.count("RUN_SUCCESS") == 1
    api = ApiData.fetch(local_api)
    with connect(databases.warehouse) as conn:
        assert_warehouse_matches_api(conn, api)
        assert_no_password_anywhere(conn, [user["password"] for user in api.users])
