"""The one bulk loader: COPY, never a row at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import psycopg
from psycopg import sql


def copy_rows(
    cursor: psycopg.Cursor,
    table: sql.Composable,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> int:
    """COPY rows into `table` inside the cursor's transaction; return how many were written."""
    statement = sql.SQL("copy {} ({}) from stdin").format(
        table, sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    written = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
