"""Asset checks on bronze: duplicates block downstream, a high rejected share warns."""

from __future__ import annotations

import dagster as dg
from psycopg import sql

from fakestore_platform.api.models import Entity
from fakestore_platform.bronze.tables import ID_COLUMNS, REJECTED_TABLE, ensure_bronze_tables, table
from fakestore_platform.settings import current_settings
from fakestore_platform.warehouse.resource import Warehouse

ENTITIES: tuple[Entity, ...] = ("products", "users", "carts")


def _current_rows(entity: Entity) -> sql.Composable:
    """A filter for the rows bronze currently serves: the latest snapshot batch, or every cart partition."""
    if entity == "carts":
        return sql.SQL("true")
    return sql.SQL(
        "extracted_at = (select max(extracted_at) from ("
        "select extracted_at from {t} union all select extracted_at from {r} where entity = {e}) as batches)"
    ).format(t=table(entity), r=table(REJECTED_TABLE), e=sql.Literal(entity))


def _duplicate_ids_check(entity: Entity) -> dg.AssetChecksDefinition:
    id_column = sql.Identifier(ID_COLUMNS[entity])

    @dg.asset_check(
        asset=dg.AssetKey(["bronze", entity]),
        name="no_duplicate_ids",
        blocking=True,
        description=f"No {entity[:-1]} id appears twice in what bronze currently serves.",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        query = sql.SQL(
            "select {id}, count(*) from {t} where {current} group by {id} having count(*) > 1 order by 2 desc, 1 limit 20"
        ).format(id=id_column, t=table(entity), current=_current_rows(entity))
        with warehouse.connect() as conn:
            ensure_bronze_tables(conn)
            duplicated = conn.execute(query).fetchall()
        return dg.AssetCheckResult(
            passed=not duplicated,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"duplicated_ids": dg.MetadataValue.json({str(k): n for k, n in duplicated})},
        )

    return check


def _rejected_share_check(entity: Entity) -> dg.AssetChecksDefinition:
    threshold = current_settings().rejected_share_warn

    @dg.asset_check(
        asset=dg.AssetKey(["bronze", entity]),
        name="rejected_share_below_threshold",
        description=f"At most {threshold:.0%} of the {entity} fetched failed validation "
        "(FAKESTORE_REJECTED_SHARE_WARN).",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        current = _current_rows(entity)
        query = sql.SQL(
            "select (select count(*) from {t} where {current}),"
            " (select count(*) from {r} where entity = {e} and {current})"
        ).format(t=table(entity), r=table(REJECTED_TABLE), e=sql.Literal(entity), current=current)
        with warehouse.connect() as conn:
            ensure_bronze_tables(conn)
            loaded, rejected = conn.execute(query).fetchone()
        share = rejected / (loaded + rejected) if loaded + rejected else 0.0
        return dg.AssetCheckResult(
            passed=share <= threshold,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "loaded": loaded,
                "rejected": rejected,
                "rejected_share": share,
                "threshold": threshold,
            },
        )

    return check


bronze_checks = [
    *(_duplicate_ids_check(entity) for entity in ENTITIES),
    *(_rejected_share_check(entity) for entity in ENTITIES),
]
