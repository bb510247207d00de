"""Pydantic models of the Fake Store API's records as the real API serves them: the schema of record.

Models are strict (a price served as the string "9.5" is an error, not a float) and keep unknown
fields (`extra="allow"`), so schema drift stays visible instead of being dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
)

Entity = Literal["products", "users", "carts"]


class ApiRecord(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class Rating(ApiRecord):
    rate: NonNegativeFloat
    count: NonNegativeInt


class Product(ApiRecord):
    id: PositiveInt
    title: str
    price: NonNegativeFloat
    description: str
    category: str
    image: str
    rating: Rating


class Geolocation(ApiRecord):
    lat: str
    long: str


class Address(ApiRecord):
    geolocation: Geolocation
    city: str
    street: str
    number: int
    zipcode: str


class PersonName(ApiRecord):
    firstname: str
    lastname: str


class User(ApiRecord):
    address: Address
    id: PositiveInt
    email: str
    username: str
    password: str
    name: PersonName
    phone: str
    version: int = Field(alias="__v")


class CartLine(ApiRecord):
    productId: PositiveInt
    quantity: PositiveInt


class Cart(ApiRecord):
    id: PositiveInt
    userId: PositiveInt
    # The API serves dates as ISO strings; lax mode parses them, the type insists on a UTC offset.
    date: Annotated[AwareDatetime, Field(strict=False)]
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
    url: str
    valid: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return len(self.valid) + len(self.rejected)


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"path": ".".join(str(part) for part in err["loc"]) or "(record)", "error": err["msg"]}
        for err in exc.errors(include_url=False)
    ]


def validate_records(entity: Entity, url: str, records: Iterable[Any]) -> ValidatedBatch:
    """Validate each record on its own, so one bad record never fails the batch.

    A second record with an id already seen in the same response is quarantined, not loaded twice.
    """
    model = MODELS[entity]
    batch = ValidatedBatch(entity=entity, url=url)
    seen: set[int] = set()
    for record in records:
        try:
            model.model_validate(record)
        except ValidationError as exc:
            batch.rejected.append(Rejection(record=record, errors=_errors(exc)))
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
