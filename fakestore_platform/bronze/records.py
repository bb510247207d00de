"""From validated API records to bronze rows: redaction, hashing, the carts' day partition."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from fakestore_platform.api.models import Entity, Rejection

# Fields that must never reach the database, in any layer.
REDACTED: dict[Entity, tuple[str, ...]] = {"users": ("password",)}


@dataclass(frozen=True)
class Lineage:
    """What every bronze row records about where it came from."""

    source_url: str
    extracted_at: datetime
    run_id: str


def redact(entity: Entity, record: Any) -> tuple[Any, list[str]]:
    """The record without its secret fields, and the names of the fields removed."""
    secrets = REDACTED.get(entity, ())
    if not isinstance(record, dict) or not any(name in record for name in secrets):
        return record, []
    removed = [name for name in secrets if name in record]
    return {k: v for k, v in record.items() if k not in secrets}, removed


def payload_row(entity: Entity, record: dict[str, Any], lineage: Lineage) -> tuple[object, ...]:
    """The lineage columns of one record, in bronze.tables.LINEAGE_COLUMNS order."""
    payload, redacted = redact(entity, record)
    document = orjson.dumps(payload)
    return (
        document.decode(),
        hashlib.sha256(document).hexdigest(),
        redacted,
        lineage.source_url,
        lineage.extracted_at,
        lineage.run_id,
    )


def rejected_row(
    entity: Entity, rejection: Rejection, partition_date: date | None, lineage: Lineage
) -> tuple[object, ...]:
    """One bronze.rejected_records row, in bronze.tables.REJECTED_COLUMNS order."""
    payload, _ = redact(entity, rejection.record)
    return (
        entity,
        partition_date,
        orjson.dumps(payload).decode(),
        rejection.reason,
        orjson.dumps(rejection.errors).decode(),
        lineage.source_url,
        lineage.extracted_at,
        lineage.run_id,
    )


def cart_day(cart: dict[str, Any]) -> date:
    """The UTC day a validated cart belongs to: its partition."""
    return datetime.fromisoformat(cart["date"]).astimezone(UTC).date()
