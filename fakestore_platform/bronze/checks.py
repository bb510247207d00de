"""Asset checks on bronze: duplicates and a high rejected share block downstream, drift is reported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import dagster as dg
import psycopg
from psycopg import sql

from fakestore_platform.api.models import MODELS, Entity, field_paths
from fakestore_platform.bronze.tables import ID_COLUMNS, REJECTED_TABLE, ensure_bronze_tables, table
from fakestore_platform.settings import current_settings
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform.warehouse.split import split_rows

ENTITIES: tuple[Entity, ...] = ("products", "users", "carts")
DRIFT_EXAMPLES = 20


def latest_extraction(entity: Entity) -> sql.Composable:
    """Rows of the latest load: a whole snapshot batch, or the cart partitions the latest run replaced."""
    return sql.SQL(
        "extracted_at = (select max(extracted_at) from ("
        "select extracted_at from {t} union all select extracted_at from {r} where entity = {e}) as loads)"
    ).format(t=table(entity), r=table(REJECTED_TABLE), e=sql.Literal(entity))


def _served_rows(entity: Entity) -> sql.Composable:
    """Rows bronze serves downstream: the latest snapshot batch, or every cart partition."""
    return sql.SQL("true") if entity == "carts" else latest_extraction(entity)


def _duplicate_ids_check(entity: Entity) -> dg.AssetChecksDefinition:
    id_column = sql.Identifier(ID_COLUMNS[entity])

    @dg.asset_check(
        asset=dg.AssetKey(["bronze", entity]),
        name="no_duplicate_ids",
        blocking=True,
        description=f"No {entity[:-1]} id appears twice in what bronze serves downstream.",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        query = sql.SQL(
            "select {id}, count(*) from {t} where {served} group by {id} having count(*) > 1 order by 2 desc, 1 limit 20"
        ).format(id=id_column, t=table(entity), served=_served_rows(entity))
        with warehouse.connect() as conn:
            ensure_bronze_tables(conn)
            duplicated = conn.execute(query).fetchall()
        return dg.AssetCheckResult(
            passed=not duplicated,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"duplicated_ids": dg.MetadataValue.json({str(k): n for k, n in duplicated})},
        )

    return check


def rejected_share_severity(
    share: float, warn: float, error: float
) -> dg.AssetCheckSeverity | None:
    """None while the share is acceptable; WARN above `warn`; ERROR, which blocks, above `error`."""
    if share > error:
        return dg.AssetCheckSeverity.ERROR
    if share > warn:
        return dg.AssetCheckSeverity.WARN
    return None


def _rejected_share_check(entity: Entity) -> dg.AssetChecksDefinition:
    settings = current_settings()
    warn, error = settings.rejected_share_warn, settings.rejected_share_error

    @dg.asset_check(
        asset=dg.AssetKey(["bronze", entity]),
        name="rejected_share_below_thresholds",
        blocking=True,
        description=f"Of the {entity} in the latest load, more than {warn:.0%} rejected warns "
        f"(FAKESTORE_REJECTED_SHARE_WARN); more than {error:.0%} fails and blocks downstream "
        "(FAKESTORE_REJECTED_SHARE_ERROR).",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        latest = latest_extraction(entity)
        query = sql.SQL(
            "select (select count(*) from {t} where {latest}),"
            " (select count(*) from {r} where entity = {e} and {latest})"
        ).format(t=table(entity), r=table(REJECTED_TABLE), e=sql.Literal(entity), latest=latest)
        with warehouse.connect() as conn:
            ensure_bronze_tables(conn)
            loaded, rejected = conn.execute(query).fetchone()
        share = rejected / (loaded + rejected) if loaded + rejected else 0.0
        severity = rejected_share_severity(share, warn, error)
        return dg.AssetCheckResult(
            passed=severity is None,
            severity=severity or dg.AssetCheckSeverity.WARN,
            metadata={
                "loaded": loaded,
                "rejected": rejected,
                "rejected_share": share,
                "warn": warn,
                "error": error,
            },
        )

    return check


# Every key path in a payload: objects add `.key`, arrays add `[]`, recursively. Only objects and
# arrays are expanded: most values are scalars, and skipping them more than halves the scan. It runs
# as slices of the ids side by side (warehouse.split), each counting its own payloads' paths.
PAYLOAD_PATHS = sql.SQL("""
with recursive paths (path, value) as (
    select key, value from {t}, jsonb_each(payload) where {latest} and {slice}
    union all
    select paths.path || child.suffix, child.value
    from paths
    cross join lateral (
        select '.' || key as suffix, value
        from jsonb_each(paths.value)
        where jsonb_typeof(paths.value) = 'object'
        union all
        select '[]', element
        from jsonb_array_elements(paths.value) as element
        where jsonb_typeof(paths.value) = 'array'
    ) as child
    where jsonb_typeof(paths.value) in ('object', 'array')
)
select path, count(*) from paths group by path
""")


def new_field_paths(connect: Callable[[], psycopg.Connection], entity: Entity) -> dict[str, int]:
    """Field paths in the latest load's payloads that the entity's pydantic model does not know,
    with how many times each occurs, in path order."""
    with connect() as conn:
        ensure_bronze_tables(conn)
    rows = split_rows(
        connect,
        PAYLOAD_PATHS,
        sql.Identifier(ID_COLUMNS[entity]),
        t=table(entity),
        latest=latest_extraction(entity),
    )
    known = field_paths(MODELS[entity])
    counts: Counter[str] = Counter()
    for path, count in rows:
        if path not in known:
            counts[path] += count
    return dict(sorted(counts.items()))


def _schema_drift_check(entity: Entity) -> dg.AssetChecksDefinition:

    @dg.asset_check(
        asset=dg.AssetKey(["bronze", entity]),
        name="no_schema_drift",
        description=f"Every field path in the latest {entity} payloads is one the pydantic model knows; "
        "new ones are listed (they are kept in the payload, never dropped).",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        new = new_field_paths(warehouse.connect, entity)
        return dg.AssetCheckResult(
            passed=not new,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "new_field_paths": dg.MetadataValue.json(dict(list(new.items())[:DRIFT_EXAMPLES])),
                "new_field_path_count": len(new),
            },
        )

    return check


bronze_checks = [
    *(_duplicate_ids_check(entity) for entity in ENTITIES),
    *(_rejected_share_check(entity) for entity in ENTITIES),
    *(_schema_drift_check(entity) for entity in ENTITIES),
]
