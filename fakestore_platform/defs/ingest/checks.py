"""Asset checks on bronze: duplicates and a high rejected share block downstream. Schema drift is
checked by the load itself, as it writes each record (bronze.drift)."""

from __future__ import annotations

import dagster as dg
from psycopg import sql

from fakestore_platform.api.models import Entity
from fakestore_platform.defs.ingest.tables import (
    ID_COLUMNS,
    ensure_bronze_tables,
    latest_load,
    table,
)
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.catalog import BRONZE, REJECTED_RECORDS
from fakestore_platform.warehouse.failures import step_failure
from fakestore_platform.warehouse.resource import Warehouse

ENTITIES: tuple[Entity, ...] = ("products", "users", "carts")


def _served_rows(entity: Entity) -> sql.Composable:
    """Rows bronze serves downstream: the latest snapshot batch, or every cart partition."""
    return sql.SQL("true") if entity == "carts" else latest_load(entity)


def _duplicate_ids_check(entity: Entity) -> dg.AssetChecksDefinition:
    id_column = sql.Identifier(ID_COLUMNS[entity])

    @dg.asset_check(
        asset=dg.AssetKey([BRONZE, entity]),
        name="no_duplicate_ids",
        blocking=True,
        description=f"No {entity[:-1]} id appears twice in what bronze serves downstream.",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        query = sql.SQL(
            "select {id}, count(*) from {t} where {served} group by {id} having count(*) > 1 order by 2 desc, 1 limit 20"
        ).format(id=id_column, t=table(entity), served=_served_rows(entity))
        with step_failure(), warehouse.connect() as conn:
            ensure_bronze_tables(conn)
            duplicated = conn.execute(query).fetchall()
        return dg.AssetCheckResult(
            passed=not duplicated,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"duplicated_ids": dg.MetadataValue.json({str(k): n for k, n in duplicated})},
        )

    return check


def rejected_share(loaded: int, rejected: int) -> float:
    """The share of a load's records that were rejected (0 when it read none)."""
    return rejected / (loaded + rejected) if loaded + rejected else 0.0


def rejected_share_severity(
    share: float, warn: float, error: float
) -> dg.AssetCheckSeverity | None:
    """None while the share is acceptable; WARN above `warn`; ERROR, which blocks, above `error`."""
    if share > error:
        return dg.AssetCheckSeverity.ERROR
    if share > warn:
        return dg.AssetCheckSeverity.WARN
    return None


def _rejected_share_check(entity: Entity, warn: float, error: float) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([BRONZE, entity]),
        name="rejected_share_below_thresholds",
        blocking=True,
        description=f"Of the {entity} in the latest load, more than {warn:.0%} rejected warns "
        f"(FAKESTORE_REJECTED_SHARE_WARN); more than {error:.0%} fails and blocks downstream "
        "(FAKESTORE_REJECTED_SHARE_ERROR).",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        latest = latest_load(entity)
        query = sql.SQL(
            "select (select count(*) from {t} where {latest}),"
            " (select count(*) from {r} where entity = {e} and {latest})"
        ).format(t=table(entity), r=table(REJECTED_RECORDS), e=sql.Literal(entity), latest=latest)
        with step_failure(), warehouse.connect() as conn:
            ensure_bronze_tables(conn)
            loaded, rejected = conn.execute(query).fetchone()
        share = rejected_share(loaded, rejected)
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


def bronze_checks(settings: Settings) -> list[dg.AssetChecksDefinition]:
    """The checks of bronze that run on their own, the rejected share's thresholds as configured."""
    warn, error = settings.rejected_share_warn, settings.rejected_share_error
    return [
        *(_duplicate_ids_check(entity) for entity in ENTITIES),
        *(_rejected_share_check(entity, warn, error) for entity in ENTITIES),
    ]
