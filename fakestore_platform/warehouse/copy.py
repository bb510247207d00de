"""The one bulk loader: COPY, never a row at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
from psycopg import sql

# COPY's text format gives these bytes a meaning inside a field; anything else is taken as it is.
_SPECIAL = ((b"\\", b"\\\\"), (b"\n", b"\\n"), (b"\r", b"\\r"), (b"\t", b"\\t"))
BLOCK_BYTES = 1 << 20


def copy_text(value: bytes) -> bytes:
    """`value` as one field of a COPY text line."""
    for byte, escaped in _SPECIAL:
        if byte in value:
            value = value.replace(byte, escaped)
    return value


def _copy_statement(table: sql.Composable, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL("copy {} ({}) from stdin").format(
        table, sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


def copy_rows(
    cursor: psycopg.Cursor,
    table: sql.Composable,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> int:
    """COPY rows of Python values into `table` inside the cursor's transaction; return how many."""
    written = 0
    with cursor.copy(_copy_statement(table, columns)) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def copy_lines(
    cursor: psycopg.Cursor, table: sql.Composable, columns: Sequence[str], lines: Iterable[bytes]
) -> int:
    """COPY rows already formatted as COPY text lines, sent in blocks of about a MiB; return how many.

    The hot path: a loader that formats a batch's constant columns once, and each record's few
    varying ones itself, skips the per-value adaptation `write_row` does for every column of every row.
    A block is sent by a thread of its own while the next is formatted: psycopg's write waits until
    the server has taken the block in, and that wait was half the loader's time. One block in
    flight, so memory holds two; psycopg's own QueuedLibpqWriter queues up to 1,024 chunks (128 MiB)
    when the server is the slower side.
    """
    written, size, block = 0, 0, []
    with (
        cursor.copy(_copy_statement(table, columns)) as copy,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-send") as sender,
    ):
        sending: Future[None] | None = None

        def send(data: bytes) -> Future[None]:
            if sending is not None:
                sending.result()  # one block in flight: memory stays two blocks
            return sender.submit(copy.write, data)

        for line in lines:
            block.append(line)
            size += len(line)
            written += 1
            if size >= BLOCK_BYTES:
                sending = send(b"".join(block))
                size, block = 0, []
        if block:
            sending = send(b"".join(block))
        if sending is not None:
            sending.result()
    return written
