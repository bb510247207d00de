"""`make demo`: the warehouse, the API (local unless FAKESTORE_API_URL names one) and a read of every route."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from fakestore_platform.api.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.connection import database_urls, redact_url

CARTS_SINCE = date(2020, 1, 1)


@contextmanager
def api_for_demo(settings: Settings) -> Iterator[str]:
    """The configured API, or, when none is configured, the local one for as long as the demo runs."""
    if not settings.api_url_is_default:
        yield settings.api_url
        return
    with serve_in_background(EmulatorConfig()) as url:
        yield url


def run_demo(settings: Settings) -> None:
    urls = database_urls(settings)
    with api_for_demo(settings) as api_url:
        api = FakeStoreApi.from_settings(dataclasses.replace(settings, api_url=api_url))
        with api.open_client() as client:
            categories = client.categories()
            batches = [
                client.products(),
                client.users(),
                client.carts(CARTS_SINCE, date.today() + timedelta(days=1)),
            ]
    print(f"Fake Store API: {api_url}")
    print(f"  categories: {len(categories)} ({', '.join(categories)})")
    for batch in batches:
        print(
            f"  {batch.entity}: {batch.fetched} fetched, {len(batch.valid)} valid, {len(batch.rejected)} rejected"
        )
        for rejection in batch.rejected:
            print(f"    rejected: {rejection.reason}")
    print(f"Warehouse: {redact_url(urls.warehouse)}")
    print(f"Dagster storage: {redact_url(urls.dagster)}")
    print(f"Platform home: {settings.home}")
