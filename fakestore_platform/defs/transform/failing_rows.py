"""A dbt test that does not pass says what it found: the rows it stored (dbt's store_failures) go into
its Dagster check result, so a warning names the new value instead of only counting it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import dagster as dg
import psycopg
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation
from psycopg import sql

from fakestore_platform.warehouse.resource import Warehouse

ROWS_SHOWN = 10

logger = logging.getLogger(__name__)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def describe_failing_rows(
    relation: str, failures: int | None, rows: list[dict[str, Any]], shown: int = ROWS_SHOWN
) -> str:
    """One line: how many rows failed, where dbt stored them, and the first ones, values quoted."""
    count = failures if failures is not None else len(rows)
    listed = "; ".join(
        ", ".join(
            f"{column}={value!r}" if isinstance(value, str) else f"{column}={value}"
            for column, value in row.items()
        )
        for row in rows[:shown]
    )
    more = f"; and {count - shown} more" if count > shown else ""
    return f"{count} failing row{'s' if count != 1 else ''} in {relation}: {listed}{more}"


def stored_failures(manifest: Mapping[str, Any], unique_id: str | None) -> tuple[str, str] | None:
    """The (schema, table) where the dbt test `unique_id` stores its failing rows, or None."""
    node = manifest.get("nodes", {}).get(unique_id or "")
    if not node or node.get("resource_type") != "test" or not node["config"].get("store_failures"):
        return None
    return node["schema"], node["alias"]


def _metadata_text(event: Any, key: str) -> Any:
    value = event.metadata.get(key)
    return getattr(value, "value", value)


def _with_failing_rows(event: Any, table: tuple[str, str], warehouse: Warehouse) -> Any:
    query = sql.SQL("select * from {} limit %s").format(sql.Identifier(*table))
    try:
        with warehouse.connect() as conn, conn.cursor() as cursor:
            cursor.execute(query, (ROWS_SHOWN,))
            columns = [column.name for column in cursor.description or []]
            rows = [
                {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
                for row in cursor.fetchall()
            ]
    except psycopg.Error as exc:
        logger.warning("could not read the failing rows of %s: %s", ".".join(table), exc)
        return event
    relation = ".".join(table)
    failures = _metadata_text(event, "dagster_dbt/failed_row_count")
    return event.with_metadata(
        {
            **event.metadata,
            "failing_rows": dg.MetadataValue.json(rows),
            "failing_rows_table": dg.MetadataValue.text(relation),
        }
    )._replace(description=describe_failing_rows(relation, failures, rows))


def with_failing_rows(
    events: Iterable[Any], manifest: Mapping[str, Any], warehouse: Warehouse
) -> Iterator[Any]:
    """The events of a dbt build, each check result that did not pass carrying its stored rows."""
    for event in events:
        if isinstance(event, dg.AssetCheckResult | AssetCheckEvaluation) and not event.passed:
            table = stored_failures(manifest, _metadata_text(event, "unique_id"))
            if table:
                event = _with_failing_rows(event, table, warehouse)
        yield event
