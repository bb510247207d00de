"""Creating the platform's own tables on first use, once, without locking anyone out afterwards."""

import re
from collections.abc import Sequence

import psycopg


def relations_created_by(schema: str, ddl: str) -> list[str]:
    """Every table and index `ddl` creates in `schema`, qualified: what ensure_tables looks for."""
    return [
        f"{schema}.{name}"
        for name in re.findall(rf"if not exists (?:{schema}\.)?(\w+)(?: on|\s*\()", ddl)
    ]


def ensure_tables(conn: psycopg.Connection, tables: Sequence[str], ddl: str) -> None:
    """Run `ddl` (idempotent) only when one of `tables` (tables or indexes) is missing, so a newer
    release's new table or index reaches an existing warehouse too.

    Even `create index if not exists` takes a SHARE lock, which would queue every load behind every
    other; so the catalog is asked first, and concurrent first runs take turns on an advisory lock.
    """
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
