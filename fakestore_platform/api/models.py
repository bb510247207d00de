"""Pydantic models of the Fake Store API's records as the real API serves them: the schema of record.

Models are strict (a price served as the string "9.5" is an error, not a float) and keep unknown
fields (`extra="allow"`), so schema drift stays visible instead of being dropped. They also accept
only what the warehouse can hold, so a value beyond it is one quarantined record, not a failed load.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import CoreSchema, ErrorDetails, core_schema

Entity = Literal["products", "users", "carts"]

# What the warehouse holds. Bronze keys each row by its id in an `integer` column and dbt's staging
# models cast payload fields to the types named here (dbt_project/models/staging): a value beyond
# them would fail the whole COPY or every later dbt run, so it is a bad record like any other.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1  # PostgreSQL integer
PRICE_MAX = 9_999_999_999.99  # numeric(12, 2): under 10^10 once rounded to cents
RATE_MAX = 99.99  # numeric(4, 2)
COLUMN_TYPES: dict[float, str] = {
    INTEGER_MIN: "integer",
    INTEGER_MAX: "integer",
    PRICE_MAX: "numeric(12, 2)",
    RATE_MAX: "numeric(4, 2)",
}

RecordId = Annotated[int, Field(gt=0, le=INTEGER_MAX)]
Quantity = Annotated[int, Field(gt=0, le=INTEGER_MAX)]
Count = Annotated[int, Field(ge=0, le=INTEGER_MAX)]
StreetNumber = Annotated[int, Field(ge=INTEGER_MIN, le=INTEGER_MAX)]
Price = Annotated[float, Field(ge=0, le=PRICE_MAX)]
Rate = Annotated[float, Field(ge=0, le=RATE_MAX)]

# A latitude or longitude is served as a string that staging casts to numeric(9, 6), empty as null:
# a decimal it holds exactly, up to 3 digits before the point and 6 after.
COORDINATE_PATTERN = r"^(-?\d{1,3}(\.\d{1,6})?)?$"
Coordinate = Annotated[str, Field(pattern=COORDINATE_PATTERN)]

# A time as the API serves it (2020-03-02T00:00:00.000Z), in the ISO 8601 that both read it: the
# load (datetime.fromisoformat, filing a cart under its UTC day) and staging's ::timestamptz. So no
# unix seconds or lowercase z, which pydantic alone takes, offsets within PostgreSQL's ±15:59, and
# years 1000 to 9998, so the time in UTC is still a datetime (cheaper here than a range check).
TIMESTAMP_PATTERN = (
    r"^([1-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])-\d{2}-\d{2}"
    r"[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-](0\d|1[0-5]):[0-5]\d)$"
)
PATTERN_MEANINGS = {
    COORDINATE_PATTERN: "is neither empty nor a decimal the warehouse's numeric(9, 6) column holds"
    " (like -37.3159: up to 3 digits before the point and 6 after)",
    TIMESTAMP_PATTERN: "is not a time like 2020-03-02T00:00:00.000Z (ISO 8601 with Z or an offset"
    " within ±15:59, in the years 1000 to 9998), which both the load and the warehouse's"
    " timestamptz read",
}


def _timestamp_schema(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """A string of TIMESTAMP_PATTERN that is a real time (no February 30th), all in pydantic's core:
    no call into Python for each cart."""
    return core_schema.chain_schema(
        [
            core_schema.str_schema(strict=True, pattern=TIMESTAMP_PATTERN),
            core_schema.datetime_schema(strict=False),
        ]
    )


Timestamp = Annotated[datetime, GetPydanticSchema(_timestamp_schema)]

# jsonb holds no NUL character in any string, keys included; JSON can only carry one as this escape.
NUL_ESCAPE = b"\\u0000"
NUL_ERROR = "holds a NUL character (\\u0000), which the warehouse cannot store"


class ApiRecord(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class Rating(ApiRecord):
    rate: Rate
    count: Count


class Product(ApiRecord):
    id: RecordId
    title: str
    price: Price
    description: str
    category: str
    image: str
    rating: Rating


class Geolocation(ApiRecord):
    lat: Coordinate
    long: Coordinate


class Address(ApiRecord):
    geolocation: Geolocation
    city: str
    street: str
    number: StreetNumber
    zipcode: str


class PersonName(ApiRecord):
    firstname: str
    lastname: str


class User(ApiRecord):
    address: Address
    id: RecordId
    email: str
    username: str
    password: str
    name: PersonName
    phone: str
    version: int = Field(alias="__v")


class CartLine(ApiRecord):
    productId: RecordId
    quantity: Quantity


class Cart(ApiRecord):
    id: RecordId
    userId: RecordId
    date: Timestamp
    products: list[CartLine]
    version: int = Field(alias="__v")


MODELS: dict[Entity, type[ApiRecord]] = {"products": Product, "users": User, "carts": Cart}


@dataclass(frozen=True)
class Rejection:
    """A record that failed validation, kept whole with every reason it failed."""

    record: Any
    errors: list[dict[str, str]]

    @property
    def reason(self) -> str:
        return "; ".join(f"{e['path']}: {e['error']}" for e in self.errors)


@dataclass
class ValidatedBatch:
    """One response's records, split into the valid ones (as served) and the rejected ones."""

    entity: Entity
    url: str  # as FakeStoreClient.url shows it: no credentials
    valid: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return len(self.valid) + len(self.rejected)


# pydantic's error types for a bound, the bound's name in the error's context, and how to say it.
_BOUND_ERRORS = {
    "less_than_equal": ("le", "more", "at most"),
    "greater_than_equal": ("ge", "less", "at least"),
}


def _message(err: ErrorDetails) -> str:
    """pydantic's message, or for a warehouse bound or format, what was wrong in plain words."""
    if err["type"] == "string_pattern_mismatch" and err["ctx"]["pattern"] in PATTERN_MEANINGS:
        return PATTERN_MEANINGS[err["ctx"]["pattern"]]
    if err["type"] in _BOUND_ERRORS:
        name, beyond, limit = _BOUND_ERRORS[err["type"]]
        bound = err["ctx"][name]
        if bound in COLUMN_TYPES:
            return (
                f"{err['input']} is {beyond} than the warehouse's {COLUMN_TYPES[bound]} column"
                f" holds ({limit} {bound})"
            )
    return err["msg"]


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"path": ".".join(str(part) for part in err["loc"]) or "(record)", "error": _message(err)}
        for err in exc.errors(include_url=False)
    ]


def may_hold_nul(document: bytes) -> bool:
    """Whether a JSON document can hold a NUL character. Most responses have no backslash at all,
    which a memchr rules out at gigabytes a second; only then is the escape searched for."""
    return b"\\" in document and NUL_ESCAPE in document


def _nul_errors(record: Any) -> list[dict[str, str]]:
    """An error for every string in the record holding a NUL, at any depth, field names included."""
    try:
        if NUL_ESCAPE not in orjson.dumps(record):  # one pass in C: 0.7 us a cart, the walk 5 us
            return []
    except orjson.JSONEncodeError:
        pass  # never from a parsed response (an int beyond 64 bits, a key not a string): walk it
    found = []
    pending: deque[tuple[str, Any]] = deque([("", record)])
    while pending:
        path, node = pending.popleft()
        if isinstance(node, str):
            if "\x00" in node:
                found.append({"path": path or "(record)", "error": NUL_ERROR})
        elif isinstance(node, dict):
            for key, value in node.items():
                name = str(key).replace("\x00", "\\u0000")  # the path goes to a text column too
                child = f"{path}.{name}" if path else name
                if isinstance(key, str) and "\x00" in key:
                    found.append({"path": child, "error": f"the field name {NUL_ERROR}"})
                pending.append((child, value))
        elif isinstance(node, list):
            pending.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(node))
    return found


def validate_records(
    entity: Entity, url: str, records: Iterable[Any], *, nul_possible: bool = True
) -> ValidatedBatch:
    """Validate each record on its own, so one bad record never fails the batch.

    A record holding a NUL anywhere is quarantined too; a caller that has the response as served
    passes `nul_possible=may_hold_nul(document)`, so the records are searched only when it may.
    A second record with an id already seen in the same response is quarantined, not loaded twice.
    """
    model = MODELS[entity]
    batch = ValidatedBatch(entity=entity, url=url)
    seen: set[int] = set()
    for record in records:
        try:
            model.model_validate(record)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            errors = []
        if nul_possible:
            errors += _nul_errors(record)
        if errors:
            batch.rejected.append(Rejection(record=record, errors=errors))
            continue
        if record["id"] in seen:
            error = {
                "path": "id",
                "error": f"duplicate of an earlier record with id {record['id']} in this response",
            }
            batch.rejected.append(Rejection(record=record, errors=[error]))
            continue
        seen.add(record["id"])
        batch.valid.append(record)
    return batch


# pydantic-core builds a model instance of every record it validates, and a call's instances live
# until it returns: a month's response in one call spills them out of the CPU's caches (4.3 us a
# cart), record by record pays Python's loop (3.7 us), slices of this many pay neither (3.1 us).
VALIDATION_SLICE = 256


@cache
def _response_adapter(entity: Entity) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[MODELS[entity]])


def validate_response(
    entity: Entity, url: str, records: list[Any], *, nul_possible: bool = True
) -> ValidatedBatch:
    """Validate a whole response in pydantic-core, VALIDATION_SLICE records a call, with no Python
    between its records.

    Only a response that fails it, may hold a NUL or repeats an id is validated record by record
    (validate_records), so quarantine names each bad record exactly as it always did.
    """
    if not nul_possible:
        adapter = _response_adapter(entity)
        try:
            for start in range(0, len(records), VALIDATION_SLICE):
                adapter.validate_python(records[start : start + VALIDATION_SLICE])
        except ValidationError:
            pass
        else:
            if len({record["id"] for record in records}) == len(records):
                return ValidatedBatch(entity=entity, url=url, valid=list(records))
    return validate_records(entity, url, records, nul_possible=nul_possible)
