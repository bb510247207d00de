"""The reader role: marts only. Analysts and BI tools log in as fakestore_reader and see no PII."""

from __future__ import annotations

import psycopg
from psycopg import sql

READER_ROLE = "fakestore_reader"
READABLE_SCHEMA = "marts"


def ensure_reader_role(conn: psycopg.Connection, password: str | None) -> None:
    """Create or update the role, grant it the marts and nothing else, now and for tables dbt recreates.

    Without a password the role exists but cannot log in, so dbt's grants still have a grantee.
    """
    role, schema = sql.Identifier(READER_ROLE), sql.Identifier(READABLE_SCHEMA)
    login = (
        sql.SQL("login password {}").format(sql.Literal(password))
        if password
        else sql.SQL("nologin")
    )
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('fakestore.roles'))")
        exists = conn.execute(
            "select 1 from pg_roles where rolname = %s", (READER_ROLE,)
        ).fetchone()
        verb = sql.SQL("alter") if exists else sql.SQL("create")
        conn.execute(sql.SQL("{} role {} {}").format(verb, role, login))
        conn.execute(sql.SQL("create schema if not exists {}").format(schema))
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(schema, role))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(schema, role))
        # dbt replaces a table on every build; the replacement inherits this grant.
        conn.execute(
            sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(
                schema, role
            )
        )
