"""One query's scan split across connections: a statement PostgreSQL runs on one core, run on two."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg import sql

# Slices run at once. The checks' scans (a recursive expansion of every payload, one price lookup
# per line) are ones PostgreSQL never parallelizes itself; the smallest machine served has two cores.
SLICES = 2


def split_rows(
    connect: Callable[[], psycopg.Connection],
    query: sql.SQL,
    key: sql.Composable,
    params: dict[str, Any] | None = None,
    **parts: sql.Composable,
) -> list[tuple[Any, ...]]:
    """Run `query` once per slice of `key`, each on its own connection, and return every row.

    `query` holds a `{slice}` placeholder that each run fills with `mod(key, SLICES) = n` (and `parts`
    fill the others): its answer over all rows must be the sum, or the union, of the slices' answers.
    """

    def run(n: int) -> list[tuple[Any, ...]]:
        in_slice = sql.SQL("mod({}, {}) = {}").format(key, sql.Literal(SLICES), sql.Literal(n))
        with connect() as conn:
            return conn.execute(query.format(slice=in_slice, **parts), params).fetchall()

    with ThreadPoolExecutor(max_workers=SLICES, thread_name_prefix="query-slice") as pool:
        return [row for rows in pool.map(run, range(SLICES)) for row in rows]
