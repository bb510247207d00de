"""The bronze tables: the only place that knows their names and columns."""

from __future__ import annotations

import psycopg
from psycopg import sql

from fakestore_platform.api.models import Entity
from fakestore_platform.warehouse.catalog import BRONZE, REJECTED_RECORDS, bronze
from fakestore_platform.warehouse.ddl import ensure_tables

# Each API table's id column; carts also carry the day partition they belong to.
ID_COLUMNS: dict[Entity, str] = {"products": "product_id", "users": "user_id", "carts": "cart_id"}
LINEAGE_COLUMNS = (
    "payload",
    "payload_sha256",
    "redacted_fields",
    "source_url",
    "extracted_at",
    "run_id",
)
REJECTED_COLUMNS = (
    "entity",
    "partition_date",
    "payload",
    "reason",
    "errors",
    "source_url",
    "extracted_at",
    "run_id",
)


def _payload_table(name: str, id_column: str, *, partitioned: bool = False) -> sql.Composed:
    """One row per record: its id, the payload as served, and where it came from."""
    partition_column = "\n    partition_date date not null," if partitioned else ""
    return sql.SQL(f"""
create table if not exists {{table}} (
    {{id_column}} integer not null,{partition_column}
    payload jsonb not null,
    payload_sha256 text not null,
    redacted_fields text[] not null default '{{{{}}}}',
    source_url text not null,
    extracted_at timestamptz not null,
    run_id text not null
);
create index if not exists {{extracted_at_index}} on {{table}} (extracted_at);
""").format(
        table=bronze(name),
        id_column=sql.Identifier(id_column),
        extracted_at_index=sql.Identifier(f"{name}_extracted_at"),
    )


DDL = sql.Composed(
    [
        sql.SQL("create schema if not exists {};").format(sql.Identifier(BRONZE)),
        _payload_table("products", "product_id"),
        _payload_table("users", "user_id"),
        _payload_table("carts", "cart_id", partitioned=True),
        sql.SQL("""
create index if not exists carts_partition_date on {carts} (partition_date);
-- no_duplicate_ids groups every cart in bronze by id: on this index it is an index-only scan, a
-- fraction of a second at a million carts, where the heap scan costs seconds in every daily run.
create index if not exists carts_cart_id on {carts} (cart_id);
create index if not exists products_product_id on {products} (product_id, extracted_at);

create table if not exists {rejected} (
    entity text not null,
    partition_date date,
    payload jsonb not null,
    reason text not null,
    errors jsonb not null,
    source_url text not null,
    extracted_at timestamptz not null,
    run_id text not null
);
create index if not exists rejected_records_entity on {rejected} (entity, partition_date);
create index if not exists rejected_records_extracted_at on {rejected} (entity, extracted_at);
""").format(carts=bronze("carts"), products=bronze("products"), rejected=bronze(REJECTED_RECORDS)),
    ]
)


def table(name: str) -> sql.Identifier:
    return bronze(name)


def latest_load(entity: Entity) -> sql.Composable:
    """The condition selecting the rows of `entity`'s latest load, in its table or rejected: a whole
    snapshot batch, or the cart partitions the latest run replaced. A load that rejected every
    record is still the latest (dbt's staging, which never reads rejections, has its own)."""
    return sql.SQL(
        "extracted_at = (select max(extracted_at) from ("
        "select extracted_at from {t} union all select extracted_at from {r} where entity = {e}) as loads)"
    ).format(t=table(entity), r=table(REJECTED_RECORDS), e=sql.Literal(entity))


def ensure_bronze_tables(conn: psycopg.Connection) -> None:
    ensure_tables(conn, BRONZE, DDL)
