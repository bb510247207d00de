"""Where the warehouse lives and how to reach it: the configured URL, or the embedded server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from fakestore_platform.errors import SettingsError, WarehouseError
from fakestore_platform.redaction import redact_url
from fakestore_platform.settings import Settings, variable_name
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
from fakestore_platform.warehouse.roles import READER_ROLE

WAREHOUSE_DATABASE = "warehouse"
DAGSTER_DATABASE = "dagster"


@dataclass(frozen=True)
class DatabaseUrls:
    """The analytics warehouse and Dagster's instance storage, on one server."""

    warehouse: str
    dagster: str


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def connect(url: str, **kwargs: object) -> psycopg.Connection:
    """Open a connection, turning libpq's failure into one line that names the server."""
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        raise WarehouseError(
            f"cannot connect to the warehouse at {redact_url(url)}: {reason}", retryable=True
        ) from exc


# SQLSTATE classes of a connection the server dropped or refused: 08 (connection exception), 57P
# (operator intervention: shutdown, crash, not yet accepting connections).
CONNECTION_LOST_STATES = ("08", "57P")


def connection_lost(exc: psycopg.Error) -> bool:
    """Whether the connection itself failed (the server stopped, the network dropped), rather than
    a statement: what a retry may get past once the server is back."""
    if exc.sqlstate is None:
        return isinstance(exc, psycopg.OperationalError)
    return exc.sqlstate.startswith(CONNECTION_LOST_STATES)


def describe_database_error(exc: psycopg.Error) -> str:
    """One line: what the server said (its primary message and detail, without the query excerpt
    psycopg appends), or that the connection was lost."""
    said = [exc.diag.message_primary, exc.diag.message_detail]
    reason = " ".join(" ".join(part or "" for part in said).split()) or " ".join(str(exc).split())
    reason = reason or type(exc).__name__
    if connection_lost(exc):
        return f"lost the connection to the warehouse: {reason}"
    return f"the warehouse refused a statement ({type(exc).__name__}): {reason}"


@contextmanager
def warehouse_errors() -> Iterator[None]:
    """psycopg's errors as WarehouseError, one line each; retryable when the connection was lost."""
    try:
        yield
    except psycopg.Error as exc:
        raise WarehouseError(describe_database_error(exc), retryable=connection_lost(exc)) from exc


def ensure_database(url: str) -> None:
    """Create the URL's database when it does not exist yet (needs CREATEDB on that server)."""
    name = urlsplit(url).path.strip("/")
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            return
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            # Created concurrently by another process: what we wanted. PostgreSQL says so with
            # DuplicateDatabase, or, when both inserts raced, with pg_database_datname_index.
            pass
        except psycopg.Error as exc:
            raise WarehouseError(
                f"cannot create database {name!r} at {redact_url(url)}: {exc}"
            ) from exc


def commit_events_asynchronously(url: str) -> None:
    """Let the embedded server's Dagster database commit without waiting for the disk.

    Dagster writes a run's event log a commit per statement, thousands in a backfill (a row per
    partition and then some), and each commit otherwise waits for an fsync: 3 ms on this project's
    machines, most of a bronze backfill's wall time. A crash of the machine (not of a run) can lose
    the last fraction of a second of events; the database stays consistent, and the warehouse's
    own commits, one per load, stay durable.
    """
    name = urlsplit(url).path.strip("/")
    with connect(url, autocommit=True) as conn:
        (already,) = conn.execute(
            "select exists (select from pg_db_role_setting join pg_database on oid = setdatabase"
            " where datname = %s and setrole = 0 and 'synchronous_commit=off' = any(setconfig))",
            (name,),
        ).fetchone()
        if not already:
            conn.execute(
                sql.SQL("alter database {} set synchronous_commit = off").format(
                    sql.Identifier(name)
                )
            )


def database_urls(settings: Settings) -> DatabaseUrls:
    """Resolve (starting the embedded server if that is the configuration) and create both databases."""
    if settings.warehouse_url:
        warehouse = settings.warehouse_url.get_secret_value()
    else:
        warehouse = with_database(
            EmbeddedPostgres(settings.embedded_pgdata).start(), WAREHOUSE_DATABASE
        )
    urls = DatabaseUrls(warehouse=warehouse, dagster=with_database(warehouse, DAGSTER_DATABASE))
    ensure_database(urls.warehouse)
    ensure_database(urls.dagster)
    if not settings.warehouse_url:
        commit_events_asynchronously(urls.dagster)
    return urls


def with_login(url: str, user: str, password: str) -> str:
    """`url` logging in as `user` with `password` instead of its own credentials."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    login = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))


def reader_url(settings: Settings) -> str:
    """The warehouse as fakestore_reader, who reads the marts and nothing else: what analysts' tools
    and the dashboard connect with, never the owner's login. Starts nothing: an embedded server that
    is not running is a warehouse that is down."""
    if settings.reader_password is None:
        raise SettingsError(
            f"{variable_name('reader_password')} is not set: the dashboard logs in as {READER_ROLE}"
            " with it; set it, and build the marts with it set (make demo) so the role can log in"
        )
    if settings.warehouse_url:
        server = settings.warehouse_url.get_secret_value()
    else:
        running = EmbeddedPostgres(settings.embedded_pgdata).running_url()
        if running is None:
            raise WarehouseError(
                f"the embedded warehouse in {settings.embedded_pgdata} is not running"
                " (fakestore-platform db start)",
                retryable=True,
            )
        server = with_database(running, WAREHOUSE_DATABASE)
    return with_login(server, READER_ROLE, settings.reader_password.get_secret_value())
