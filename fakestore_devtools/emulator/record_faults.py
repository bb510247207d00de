"""Bad records in good responses: invalid ones, ones with fields the schema never had, repeats.

A record's fault is drawn from the seed, its entity and its id, so every fetch of it, in any
list and any run, serves it the same way: a quarantined record stays quarantined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fakestore_devtools.emulator.faults import FaultConfig, FaultLog, share
from fakestore_platform.api.models import Entity

Record = dict[str, Any]
RecordEdit = Callable[[Record], Record]


def _edited(node: Any, path: tuple[str | int, ...], change: Callable[[Any], Any]) -> Any:
    """`node` with `change` applied at `path`, copying only along it: served records stay intact."""
    if not path:
        return change(node)
    copy = list(node) if isinstance(node, list) else dict(node)
    copy[path[0]] = _edited(node[path[0]], path[1:], change)
    return copy


def _retyped(path: tuple[str | int, ...], change: Callable[[Any], Any]) -> RecordEdit:
    return lambda record: _edited(record, path, change)


def _dropped(key: str) -> RecordEdit:
    return lambda record: {k: v for k, v in record.items() if k != key}


def _extended(path: tuple[str | int, ...], key: str, value: Any) -> RecordEdit:
    return lambda record: _edited(record, path, lambda node: {**node, key: value})


# Each breaks the schema of record at one field path, as a bad upstream deploy would.
_INVALID: dict[Entity, tuple[RecordEdit, ...]] = {
    "products": (
        _retyped(("price",), lambda price: f"{price:.2f}"),
        _dropped("title"),
        _retyped(("rating", "count"), str),
    ),
    "users": (
        _retyped(("id",), str),
        _dropped("email"),
        _retyped(("address", "number"), str),
    ),
    "carts": (
        _retyped(("userId",), str),
        _retyped(("products", 0, "quantity"), lambda quantity: 0),
        _dropped("date"),
    ),
}
# Each adds a field the schema does not know, at the top or nested, as a new API version would.
_DRIFT: dict[Entity, tuple[RecordEdit, ...]] = {
    "products": (
        _extended((), "discount", {"code": "X", "percent": 10}),
        _extended(("rating",), "source", "verified"),
    ),
    "users": (
        _extended((), "loyaltyTier", "gold"),
        _extended(("address",), "country", "US"),
    ),
    "carts": (
        _extended((), "channel", "app"),
        _extended(("products", 0), "giftWrap", True),
    ),
}


class RecordFaults:
    """Serves a share of listed records invalid, drifted or twice, as the config asks."""

    def __init__(self, config: FaultConfig, log: FaultLog) -> None:
        self.config = config
        self.log = log

    def served(self, entity: Entity, records: Iterable[Record]) -> Iterator[Record]:
        """The records one at a time, so a streamed list stays streamed; a repeat follows its original."""
        seed = self.config.seed
        for record in records:
            parts = (seed, entity, record["id"])
            change = self.config.pick(("invalid", "drift"), share(*parts, "change"))
            if change is not None:
                edits = (_INVALID if change == "invalid" else _DRIFT)[entity]
                record = edits[int(share(*parts, "edit") * len(edits))](record)
                self.log.count_record(change)
            yield record
            if share(*parts, "duplicate") < self.config.duplicate_rate:
                self.log.count_record("duplicate")
                yield record
