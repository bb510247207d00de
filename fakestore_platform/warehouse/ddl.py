"""Creating the platform's own tables on first use, once, without locking anyone out afterwards."""

import re
from collections.abc import Sequence

import psycopg
from psycopg import sql


def relations_created_by(schema: str, ddl: str) -> list[str]:
    """Every table and index `ddl` creates in `schema`, qualified: what ensure_tables looks for.
    Names may be quoted, as psycopg.sql.Identifier writes them."""
    return [
        f"{schema}.{name}"
        for name in re.findall(rf'if not exists (?:"?{schema}"?\.)?"?(\w+)"?(?: on|\s*\()', ddl)
    ]


def ensure_tables(conn: psycopg.Connection, schema: str, ddl: sql.Composable) -> None:
    """Run `ddl` (idempotent) only when one of the tables or indexes it creates in `schema` is
    missing, so a newer release's new table or index reaches an existing warehouse too.

    Even `create index if not exists` takes a SHARE lock, which would queue every load behind every
    other; so the catalog is asked first, and concurrent first runs take turns on an advisory lock.
    """
    tables: Sequence[str] = relations_created_by(schema, ddl.as_string(conn))
    with conn.transaction():  # its own transaction, so the caller's next one is a real one
        (missing,) = conn.execute(
            "select count(*) filter (where to_regclass(name) is null) from unnest(%s::text[]) as name",
            (list(tables),),
        ).fetchone()
        if missing:
            conn.execute(
                "select pg_advisory_xact_lock(hashtext(%s))", (f"fakestore.ddl.{','.join(tables)}",)
            )
            conn.execute(ddl)
