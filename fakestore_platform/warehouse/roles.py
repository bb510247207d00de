"""The reader role: marts only. Analysts and BI tools log in as fakestore_reader and see no PII."""

from __future__ import annotations

import psycopg
from psycopg import sql

from fakestore_platform.warehouse.catalog import MARTS

READER_ROLE = "fakestore_reader"
READABLE_SCHEMA = MARTS


def _login_with(conn: psycopg.Connection, password: str) -> sql.Composable:
    """LOGIN with the password's SCRAM-SHA-256 verifier, computed here as libpq's
    PQencryptPasswordConn does: the statement, which the server may log, never holds the password."""
    verifier = conn.pgconn.encrypt_password(
        password.encode(), READER_ROLE.encode(), b"scram-sha-256"
    )
    return sql.SQL("login password {}").format(sql.Literal(verifier.decode()))


def ensure_reader_role(conn: psycopg.Connection, password: str | None) -> None:
    """Create or update the role, grant it the marts and nothing else, now and for tables dbt recreates.

    With a password the role logs in with it. Without one a new role is created NOLOGIN, so dbt's
    grants still have a grantee, and an existing role is left as it is: whether it logs in is the
    operator's decision, not every run's.
    """
    role, schema = sql.Identifier(READER_ROLE), sql.Identifier(READABLE_SCHEMA)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('fakestore.roles'))")
        exists = conn.execute(
            "select 1 from pg_roles where rolname = %s", (READER_ROLE,)
        ).fetchone()
        if password:
            verb = sql.SQL("alter") if exists else sql.SQL("create")
            conn.execute(sql.SQL("{} role {} {}").format(verb, role, _login_with(conn, password)))
        elif not exists:
            conn.execute(sql.SQL("create role {} nologin").format(role))
        conn.execute(sql.SQL("create schema if not exists {}").format(schema))
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(schema, role))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(schema, role))
        # dbt replaces a table on every build; the replacement inherits this grant.
        conn.execute(
            sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(
                schema, role
            )
        )
