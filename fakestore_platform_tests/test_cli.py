"""The fakestore-platform command as a user runs it: a subprocess, its exit code and its output."""

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "fakestore_platform.cli"]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["api", "--port", "http"],
            "argument --port: expected a TCP port from 1 to 65535, got 'http'",
        ),
        (
            ["api", "--carts", "-5"],
            "argument --carts: expected a whole number of 0 or more, got '-5'",
        ),
        (
            ["api", "--start", "2020-13-01"],
            "argument --start: expected a date like 2020-01-01, got '2020-13-01'",
        ),
        (["db", "restart"], "argument action: invalid choice: 'restart'"),
        (["launch"], "invalid choice: 'launch'"),
    ],
)
def test_bad_arguments_get_one_clear_message_and_no_traceback(
    args: list[str], expected: str
) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli(
        "db", "status", env={"FAKESTORE_HOME": str(tmp_path), "FAKESTORE_API_MAX_ATTEMPTS": "many"}
    )
    assert result.returncode == 1
    assert result.stderr == (
        "fakestore-platform: error: FAKESTORE_API_MAX_ATTEMPTS must be a whole number from 1 to 100, got 'many'\n"
    )


@pytest.mark.parametrize(
    ("action", "variable", "value", "shown"),
    [
        (
            "status",
            "FAKESTORE_WAREHOUSE_URL",
            "postgresql://admin:TopSecretPW-1@db.example:5432",
            "FAKESTORE_WAREHOUSE_URL must be a postgresql:// URL naming a database, like postgresql://user:password@host:5432/warehouse, got 'postgresql://admin:***@db.example:5432'",
        ),
        (
            "status",
            "FAKESTORE_FAILURE_WEBHOOK_URL",
            "hooks.slack.com/services/T0000/B0000/TopSecretPW-2",
            "FAKESTORE_FAILURE_WEBHOOK_URL must be an http(s) URL like https://host.example, got 'hooks.slack.com/***'",
        ),
        (
            "status",
            "FAKESTORE_API_URL",
            "ftp://reader:TopSecretPW-3@api.example",
            "FAKESTORE_API_URL must be an http(s) URL like https://host.example, got 'ftp://***@api.example'",
        ),
        (
            "start",
            "FAKESTORE_WAREHOUSE_URL",
            "postgresql://writer@127.0.0.1:1/warehouse?password=TopSecretPW-4",
            "cannot connect to the warehouse at postgresql://writer@127.0.0.1:1/postgres?password=***: ",
        ),
    ],
)
def test_an_error_line_shows_a_url_without_its_credentials(
    tmp_path: Path, action: str, variable: str, value: str, shown: str
) -> None:
    result = run_cli("db", action, env={"FAKESTORE_HOME": str(tmp_path), variable: value})
    assert result.returncode == 1
    assert result.stderr.startswith(f"fakestore-platform: error: {shown}")
    assert result.stderr.count("\n") == 1
    assert "TopSecretPW" not in result.stderr + result.stdout


def test_db_status_reports_a_server_that_is_not_running(tmp_path: Path) -> None:
    result = run_cli("db", "status", env={"FAKESTORE_HOME": str(tmp_path)})
    assert result.returncode == 0
    assert result.stdout.startswith("not running")


def test_db_status_prints_the_psql_command_for_the_warehouse(settings, databases) -> None:
    result = run_cli("db", "status", env={"FAKESTORE_HOME": str(settings.home)})
    assert result.returncode == 0
    command = shlex.split(result.stdout.removeprefix("running: "))
    assert command[0] == "psql"
    psql = subprocess.run(
        [*command, "-Atc", "select current_database()"], capture_output=True, text=True, timeout=60
    )
    assert psql.stdout == "warehouse\n", psql.stderr


def test_reset_asks_first_then_returns_the_embedded_warehouse_to_empty(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"FAKESTORE_HOME": str(home)}
    assert run_cli("db", "start", env=env).returncode == 0
    refused = run_cli("reset", env=env)  # no terminal to ask on, no --yes
    assert refused.returncode == 1
    assert (
        refused.stderr
        == f"fakestore-platform: error: reset deletes {home}: run it with --yes to confirm\n"
    )
    assert (home / "postgres").is_dir()

    reset = run_cli("reset", "--yes", env=env)
    assert reset.returncode == 0, reset.stderr
    assert not home.exists()
    assert run_cli("db", "status", env=env).stdout.startswith("not running")
    assert run_cli("reset", "--yes", env=env).stdout.startswith("nothing to reset")


def test_reset_refuses_a_warehouse_it_did_not_start(tmp_path: Path) -> None:
    url = "postgresql://someone@db.example:5432/warehouse"
    result = run_cli(
        "reset", "--yes", env={"FAKESTORE_HOME": str(tmp_path), "FAKESTORE_WAREHOUSE_URL": url}
    )
    assert result.returncode == 1
    assert "reset empties only the embedded warehouse" in result.stderr
    assert tmp_path.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_api_command_serves_the_local_fake_store_api() -> None:
    port = _free_port()
    process = subprocess.Popen([*CLI, "api", "--port", str(port), "--carts", "30", "--seed", "7"])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/carts", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the local API did not start within 30 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert len(response.json()) == 30
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_env_prints_what_a_dagster_cli_process_needs(settings, databases) -> None:
    result = run_cli(
        "env", env={"FAKESTORE_HOME": str(settings.home), "FAKESTORE_API_URL": "http://127.0.0.1:9"}
    )
    assert result.returncode == 0, result.stderr
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines()
    )
    assert exports["DAGSTER_HOME"] == str(settings.dagster_home)
    assert exports["FAKESTORE_API_URL"] == "http://127.0.0.1:9"
    assert exports["FAKESTORE_DAGSTER_STORAGE_URL"].startswith(
        "'postgresql+psycopg2://postgres:@/dagster?host="
    )
    assert (settings.dagster_home / "dagster.yaml").is_file()
