"""The embedded PostgreSQL, started by the platform itself: no Docker, no system server."""

import os
import shutil
import subprocess
import sysconfig
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fakestore_platform.errors import WarehouseError
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import (
    connect,
    database_urls,
    ensure_database,
    with_database,
)
from fakestore_platform.warehouse.embedded import EmbeddedPostgres


def test_the_server_is_started_queried_stopped_and_reused_with_its_data(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "postgres")
    url = server.start()
    assert server.start() == url  # a second start reuses the running server
    with connect(url, autocommit=True) as conn:
        conn.execute("create table kept (n int)")
        conn.execute("insert into kept values (42)")
    assert server.stop() is True
    assert server.running_url() is None
    assert server.stop() is False
    with pytest.raises(WarehouseError, match="cannot connect to the warehouse"):
        connect(url)
    url = server.start()
    with connect(url) as conn:
        assert conn.execute("select n from kept").fetchall() == [(42,)]
    server.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_the_server_stops_after_a_parent_directory_was_made_private(tmp_path: Path) -> None:
    """As root the server runs as its own user; pytest makes its temp root private at each start."""
    server = EmbeddedPostgres(tmp_path / "private" / "postgres")
    server.start()
    (tmp_path / "private").chmod(0o700)
    assert server.stop() is True
    assert server.running_url() is None


def test_the_embedded_server_holds_the_warehouse_and_dagster_databases(databases) -> None:
    for url, name in [(databases.warehouse, "warehouse"), (databases.dagster, "dagster")]:
        with connect(url) as conn:
            assert conn.execute("select current_database()").fetchone() == (name,)


def test_only_the_embedded_dagster_database_commits_without_waiting_for_the_disk(
    databases,
) -> None:
    for url, expected in ((databases.dagster, "off"), (databases.warehouse, "on")):
        with connect(url) as conn:
            assert conn.execute("show synchronous_commit").fetchone()[0] == expected, url


def test_resolving_the_databases_twice_is_harmless(settings, databases) -> None:
    assert database_urls(settings) == databases


def test_a_configured_warehouse_is_used_instead_of_the_embedded_one(
    databases, tmp_path: Path
) -> None:
    """Any Postgres at FAKESTORE_WAREHOUSE_URL; here the session's server under another database name."""
    configured = with_database(databases.warehouse, "elsewhere")
    urls = database_urls(
        load_settings({"FAKESTORE_HOME": str(tmp_path), "FAKESTORE_WAREHOUSE_URL": configured})
    )
    assert urls.warehouse == configured
    assert urls.dagster == with_database(configured, "dagster")
    assert not (tmp_path / "postgres").exists()  # no embedded server was started
    with connect(configured) as conn:
        assert conn.execute("select current_database()").fetchone() == ("elsewhere",)


def test_first_runs_racing_to_create_a_new_database_all_succeed(databases) -> None:
    """Runs that all find no database all create it; PostgreSQL refuses the losers with
    DuplicateDatabase or, when their insert raced the winner's, the unique index on the names."""
    racers, rounds = 6, 4
    for round_number in range(rounds):
        name = f"raced_{os.getpid()}_{round_number}"
        url = with_database(databases.warehouse, name)
        start = threading.Barrier(racers)

        def first_run(url: str = url, start: threading.Barrier = start) -> None:
            start.wait()
            ensure_database(url)

        with ThreadPoolExecutor(racers) as pool:
            runs = [pool.submit(first_run) for _ in range(racers)]
        failures = [run.exception() for run in runs if run.exception() is not None]
        assert failures == []
        with connect(url) as conn:
            assert conn.execute("select current_database()").fetchone() == (name,)
        with connect(databases.warehouse, autocommit=True) as conn:
            conn.execute(f"drop database {name}")


def test_an_unreachable_warehouse_is_one_clear_line_without_the_password() -> None:
    with pytest.raises(WarehouseError) as caught:
        connect("postgresql://writer:s3cret@127.0.0.1:1/warehouse", connect_timeout=2)
    message = str(caught.value)
    assert message.startswith(
        "cannot connect to the warehouse at postgresql://writer:***@127.0.0.1:1/warehouse: "
    )
    assert "s3cret" not in message
    assert "\n" not in message


def test_a_missing_database_is_named(databases) -> None:
    with pytest.raises(WarehouseError, match='database "nowhere" does not exist'):
        connect(with_database(databases.warehouse, "nowhere"))


NORMAL_USER = "fakestore-tester"

START_QUERY_STOP = """
import sys
from pathlib import Path
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]))
with connect(server.start()) as conn:
    print(conn.execute("select current_user").fetchone()[0])
print(server.stop())
"""


SYSTEM_PYTHON = Path("/usr/bin/python3.11")


@pytest.mark.skipif(os.geteuid() != 0, reason="the suite itself runs as a normal user here")
@pytest.mark.skipif(
    not SYSTEM_PYTHON.exists(), reason="no interpreter outside root's home for a normal user"
)
def test_a_normal_user_runs_the_embedded_server_too() -> None:
    """As root the suite covers root; here a normal user starts, queries and stops a server of its own,
    with an interpreter it may run (the venv's own lives under /root) and this venv's packages."""
    if subprocess.run(["id", "-u", NORMAL_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--no-create-home", NORMAL_USER], check=True)
    home = Path(tempfile.mkdtemp(prefix="fakestore-normal-user-"))
    try:
        shutil.chown(home, NORMAL_USER)
        packages = [sysconfig.get_paths()["purelib"], str(Path(__file__).resolve().parents[1])]
        result = subprocess.run(
            [str(SYSTEM_PYTHON), "-c", START_QUERY_STOP, str(home / "postgres")],
            user=NORMAL_USER,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(home),
                "PYTHONPATH": os.pathsep.join(packages),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.split() == ["postgres", "True"]
        assert (home / "postgres").owner() == NORMAL_USER
    finally:
        shutil.rmtree(home, ignore_errors=True)
