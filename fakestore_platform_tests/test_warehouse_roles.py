"""The reader role on a server of its own that logs every statement and checks the reader's password,
so what the server saw and whom it lets in can be read back."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
from fakestore_platform.warehouse.roles import READER_ROLE, ensure_reader_role

# An ETL login that may not manage roles: its role statements fail, and the server logs them.
WITHOUT_CREATEROLE = "etl_without_createrole"


class LoggingServer:
    """A private embedded server with log_statement=all; the reader logs in by SCRAM password, every
    other role as the trusting default."""

    def __init__(self, pgdata: Path) -> None:
        self.server = EmbeddedPostgres(pgdata)
        self.url = self.server.start()
        with connect(self.url, autocommit=True) as conn:
            conn.execute("alter system set log_statement = 'all'")
            hba = conn.execute("show hba_file").fetchone()[0]
            Path(hba).write_text(f"local all {READER_ROLE} scram-sha-256\nlocal all all trust\n")
            conn.execute("select pg_reload_conf()")
            conn.execute(f"create role {WITHOUT_CREATEROLE} login")

    def log(self) -> str:
        return self.server.log_file.read_text(errors="replace")

    def connect_as_reader(self, password: str) -> psycopg.Connection:
        return psycopg.connect(self.url, user=READER_ROLE, password=password)

    def reader(self) -> tuple[bool, str | None] | None:
        """The reader's LOGIN and stored password (its SCRAM verifier), or None without the role."""
        with connect(self.url) as conn:
            return conn.execute(
                "select rolcanlogin, rolpassword from pg_authid where rolname = %s", (READER_ROLE,)
            ).fetchone()


@pytest.fixture(scope="module")
def logging_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoggingServer]:
    server = LoggingServer(tmp_path_factory.mktemp("roles") / "postgres")
    yield server
    server.server.stop()


@pytest.fixture
def server(logging_server: LoggingServer) -> LoggingServer:
    """The logging server without the reader role, as a new warehouse has it."""
    with connect(logging_server.url, autocommit=True) as conn:
        if conn.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,)).fetchone():
            conn.execute(f"drop owned by {READER_ROLE}")
            conn.execute(f"drop role {READER_ROLE}")
    return logging_server


def password() -> str:
    return f"reader-{secrets.token_urlsafe(12)}"


def test_the_reader_password_never_reaches_the_server_log(server: LoggingServer) -> None:
    first, second = password(), password()
    with connect(server.url) as conn:
        ensure_reader_role(conn, first)  # creates the role
        ensure_reader_role(conn, second)  # alters it
    # A statement that fails is logged too, as the ERROR's STATEMENT.
    with (
        connect(server.url, user=WITHOUT_CREATEROLE) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        ensure_reader_role(conn, password())
    log = server.log()
    # The server did log each statement: the role's, with the verifier computed client-side.
    assert f'create role "{READER_ROLE}" login password \'SCRAM-SHA-256$4096:' in log
    assert f'alter role "{READER_ROLE}" login password \'SCRAM-SHA-256$4096:' in log
    assert f'STATEMENT:  alter role "{READER_ROLE}" login password \'SCRAM-SHA-256$' in log
    assert first not in log and second not in log
    with server.connect_as_reader(second) as conn:
        assert conn.execute("select current_user").fetchone() == (READER_ROLE,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        server.connect_as_reader(first).close()


def test_a_run_without_the_password_leaves_the_roles_login_and_password_as_they_were(
    server: LoggingServer,
) -> None:
    chosen = password()
    with connect(server.url) as conn:
        ensure_reader_role(conn, chosen)
    before = server.reader()
    with connect(server.url) as conn:
        ensure_reader_role(conn, None)
    assert before is not None and before[0] is True
    assert server.reader() == before
    with server.connect_as_reader(chosen) as conn:
        assert conn.execute("select current_user").fetchone() == (READER_ROLE,)


def test_an_operators_nologin_is_kept_too(server: LoggingServer) -> None:
    with connect(server.url, autocommit=True) as conn:
        ensure_reader_role(conn, password())
        conn.execute(f"alter role {READER_ROLE} nologin")
        ensure_reader_role(conn, None)
    assert server.reader()[0] is False


def test_a_new_role_without_a_password_cannot_log_in_and_reads_only_the_marts(
    server: LoggingServer,
) -> None:
    with connect(server.url) as conn:
        ensure_reader_role(conn, None)
        conn.execute("create schema if not exists core")
        conn.execute("create table if not exists core.hidden (id int)")
        conn.execute("create table if not exists marts.shown (id int)")
        conn.commit()
        privileges = conn.execute(
            "select has_table_privilege(%(role)s, 'marts.shown', 'select'),"
            " has_table_privilege(%(role)s, 'core.hidden', 'select')",
            {"role": READER_ROLE},
        ).fetchone()
    assert server.reader() == (False, None)
    assert privileges == (True, False)
