"""A deterministic Fake Store data set that builds a day of carts only when it is asked for."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from fakestore_devtools.emulator.products import catalogue_categories, product_record
from fakestore_devtools.emulator.users import user_record

_MS_PER_DAY = 86_400_000
_US_PER_DAY = 1000 * _MS_PER_DAY
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class EmulatorConfig:
    """How big the store is and which days its carts fall on; the defaults match the real API."""

    products: int = 20
    users: int = 10
    carts: int = 7
    start: date = date(2020, 1, 1)
    days: int = 62
    seed: int = 42
    # (product id, new price) pairs: the store repricing a product, for point-in-time tests.
    repriced: tuple[tuple[int, float], ...] = ()
    # Carts dated at or after this moment have not happened yet: serving the same store with a later
    # `until` is the store gaining carts, its history (ids, dates, lines) unchanged.
    until: datetime | None = None

    def __post_init__(self) -> None:
        for name, minimum in (("products", 1), ("users", 1), ("carts", 0), ("days", 1)):
            if getattr(self, name) < minimum:
                raise ValueError(
                    f"the emulator needs {name} >= {minimum}, got {getattr(self, name)}"
                )


def _carts_per_day(config: EmulatorConfig) -> list[int]:
    """Split the carts over the days by seeded weights, weekends and promotion days busier."""
    rng = random.Random(f"{config.seed}:calendar")
    weights = []
    for day in range(config.days):
        weight = rng.lognormvariate(0.0, 0.35)
        if (config.start + timedelta(days=day)).weekday() >= 5:
            weight *= 1.3
        if rng.random() < 0.05:
            weight *= 3.0
        weights.append(int(weight * 1_000_000) + 1)
    # Largest remainder in integers, so the counts add up to `carts` with no float drift.
    total = sum(weights)
    counts = [config.carts * weight // total for weight in weights]
    remainders = [config.carts * weight % total for weight in weights]
    by_remainder = sorted(range(config.days), key=lambda day: (-remainders[day], day))
    for day in by_remainder[: config.carts - sum(counts)]:
        counts[day] += 1
    return counts


def _draw(rng: random.Random, upper: int) -> int:
    """A number in 1..upper; several times faster than randint, which a million carts notice."""
    return 1 + int(rng.random() * upper)


def _distinct_draws(rng: random.Random, count: int, upper: int) -> list[int]:
    drawn: dict[int, None] = {}  # a dict keeps the order they were drawn in
    while len(drawn) < count:
        drawn[_draw(rng, upper)] = None
    return list(drawn)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class FakeStoreDataset:
    """Products, users and carts of one config; carts have ids 1..N in date order."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._origin = datetime.combine(config.start, time(), tzinfo=UTC)
        # _first_ids[day] is the first cart id of that day; the last entry is one past the last id.
        self._first_ids = list(accumulate(_carts_per_day(config), initial=1))
        self._end_us = config.days * _US_PER_DAY
        if config.until is not None:
            until_us = (_as_utc(config.until) - self._origin) // _MICROSECOND
            self._end_us = max(0, min(self._end_us, until_us))

    def products(self) -> list[dict[str, Any]]:
        return [self._product(i) for i in range(1, self.config.products + 1)]

    def product(self, product_id: int) -> dict[str, Any] | None:
        return self._product(product_id) if 1 <= product_id <= self.config.products else None

    def categories(self) -> list[str]:
        return catalogue_categories(self.config.products)

    def users(self) -> list[dict[str, Any]]:
        return [user_record(self.config.seed, i) for i in range(1, self.config.users + 1)]

    def user(self, user_id: int) -> dict[str, Any] | None:
        return user_record(self.config.seed, user_id) if 1 <= user_id <= self.config.users else None

    def iter_carts(
        self, start: datetime | None, end: datetime | None, *, descending: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Carts dated in [start, end) (naive means UTC), building only the days they span."""
        low = 0 if start is None else (_as_utc(start) - self._origin) // _MICROSECOND
        high = self._end_us
        if end is not None:
            high = min(high, (_as_utc(end) - self._origin) // _MICROSECOND)
        days = range(max(0, low // _US_PER_DAY), (high - 1) // _US_PER_DAY + 1)
        for day in reversed(days) if descending else days:
            carts = self._day_carts(day)
            for moment_us, cart in reversed(carts) if descending else carts:
                if low <= moment_us < high:
                    yield cart

    def cart(self, cart_id: int) -> dict[str, Any] | None:
        if not 1 <= cart_id < self._first_ids[-1]:
            return None
        day = bisect_right(self._first_ids, cart_id) - 1
        moment_us, cart = self._day_carts(day)[cart_id - self._first_ids[day]]
        return cart if moment_us < self._end_us else None

    def carts_of_user(
        self,
        user_id: int,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        descending: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """One user's carts in [start, end); a full scan, as the real API's query is."""
        carts = self.iter_carts(start, end, descending=descending)
        return (cart for cart in carts if cart["userId"] == user_id)

    def _product(self, product_id: int) -> dict[str, Any]:
        record = product_record(self.config.seed, product_id, self.config.products)
        new_price = dict(self.config.repriced).get(product_id)
        return record if new_price is None else record | {"price": new_price}

    def _day_carts(self, day: int) -> list[tuple[int, dict[str, Any]]]:
        """A day's carts in id order, each with its time in microseconds since the first day."""
        config, first_id = self.config, self._first_ids[day]
        rng = random.Random(f"{config.seed}:carts:{day}")
        count = self._first_ids[day + 1] - first_id
        times = sorted(int(rng.random() * _MS_PER_DAY) for _ in range(count))
        day_iso = (config.start + timedelta(days=day)).isoformat()
        carts = []
        for offset, ms in enumerate(times):
            seconds, millis = divmod(ms, 1000)
            minutes, second = divmod(seconds, 60)
            hour, minute = divmod(minutes, 60)
            product_ids = _distinct_draws(rng, _draw(rng, min(5, config.products)), config.products)
            cart = {
                "id": first_id + offset,
                "userId": _draw(rng, config.users),
                "date": f"{day_iso}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z",
                "products": [{"productId": p, "quantity": _draw(rng, 10)} for p in product_ids],
                "__v": 0,
            }
            carts.append(((day * _MS_PER_DAY + ms) * 1000, cart))
        return carts
