"""The Dagster UI in a real browser: Debian's Chromium, driven by Playwright, against the webserver and
daemon of `fakestore-platform dev` on the session's PostgreSQL and local Fake Store API.

Screenshots go to a temporary folder, or to FAKESTORE_UI_SCREENSHOTS (docs/img refreshes the
README's), so `make test` leaves the committed images alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import httpx
import pytest

from fakestore_platform.runs import materialize
from fakestore_platform_tests.chromium import (
    Browser,
    Page,
    expect,
    new_page,
    requires_chromium,
)
from fakestore_platform_tests.dev_server import dev_server

VIEWPORT = {"width": 1600, "height": 1000}
GROUPS = ("bronze", "staging", "core", "marts")
BRONZE_ASSETS = ("products", "users", "carts")
BRONZE_PRODUCTS = dg.AssetKey(["bronze", "products"])
MART_DAILY_REVENUE = dg.AssetKey(["marts", "mart_daily_revenue"])
# The first and last days of the local API's carts (test_graph_python_api builds the same span).
FIRST_CART_DAY, LAST_CART_DAY = date(2020, 1, 2), date(2020, 2, 12)
RUN_ID = re.compile(r"/runs/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
# Queued behind whatever the daemon's sensors launched, on a busy two-core machine.
RUN_TIMEOUT_MS = 240_000

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def dagster_ui(
    platform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    log = tmp_path_factory.mktemp("dev") / "dev.log"
    with dev_server(platform_env, log) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # The community newsletter dialog a first visit opens would cover the page: answered "skip".
    skip_newsletter = "window.localStorage.setItem('communityNux', '\"1\"')"
    with new_page(browser, VIEWPORT, skip_newsletter) as page:
        yield page


# First in the file, so the graph's screenshot below shows its materialization.
def test_materializing_bronze_products_from_its_asset_page_succeeds(
    page: Page, dagster_ui: str, local_api: str, screenshots: Path
) -> None:
    page.goto(f"{dagster_ui}/assets/bronze/products")
    page.get_by_role("button", name=re.compile(r"Materialize$")).click()
    expect(page.get_by_text("Launched run")).to_be_visible()
    page.get_by_role("link", name="View", exact=True).click()
    page.wait_for_url(RUN_ID)
    run_id = RUN_ID.search(page.url).group(1)

    outcome = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$"))
    expect(outcome).to_be_visible(timeout=RUN_TIMEOUT_MS)
    page.screenshot(path=screenshots / "materialization-succeeded.png")
    assert outcome.inner_text() == "Success", f"run {run_id} ended {outcome.inner_text()}"

    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id)
        materializations = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.asset_selection == {BRONZE_PRODUCTS}
    [materialization] = [m.asset_materialization for m in materializations]
    products = httpx.get(f"{local_api}/products", timeout=30).json()
    assert materialization.asset_key == BRONZE_PRODUCTS
    assert materialization.metadata["dagster/row_count"].value == len(products) > 0

    page.goto(f"{dagster_ui}/assets/bronze/products")
    expect(page.get_by_text("Row count", exact=True)).to_be_visible()  # from the run's metadata
    page.screenshot(path=screenshots / "bronze-products.png")


def test_the_asset_graph_shows_bronze_staging_core_and_marts(
    page: Page, dagster_ui: str, screenshots: Path
) -> None:
    page.goto(f"{dagster_ui}/asset-groups")
    graph = page.locator("[data-svg-viewport]")
    for group in GROUPS:
        expect(graph.get_by_text(group, exact=True)).to_be_visible()
    # A collapsed group reads "N assets (fetching statuses)" until its assets' statuses arrive.
    expect(graph.get_by_text("fetching statuses")).to_have_count(0)

    graph.get_by_text("bronze", exact=True).click()  # expands the group in place
    for asset in BRONZE_ASSETS:
        expect(graph.get_by_text(asset, exact=True)).to_be_visible()
    page.reload()  # the expanded group is in the URL; a fresh load centres the graph on it
    expect(graph.get_by_text("products", exact=True)).to_be_visible()
    expect(graph.get_by_text("fetching statuses")).to_have_count(0)
    page.screenshot(path=screenshots / "asset-graph.png")


def test_the_daily_revenue_mart_shows_its_chart_and_headline_figures(
    page: Page, dagster_ui: str, screenshots: Path
) -> None:
    outcome = materialize("*", (FIRST_CART_DAY, LAST_CART_DAY))
    assert outcome.success, outcome.failures
    with dg.DagsterInstance.get() as instance:
        latest = instance.get_latest_materialization_event(MART_DAILY_REVENUE)
    assert latest is not None and latest.run_id == outcome.run_id
    revenue = latest.asset_materialization.metadata["revenue"].value

    # The Events tab lists the latest materialization's metadata; markdown opens in a dialog.
    page.goto(f"{dagster_ui}/assets/marts/mart_daily_revenue?view=events")
    figure = page.get_by_role("row").filter(has_text="revenue_last_7_days")
    expect(figure).to_be_visible()
    revenue_row = page.get_by_role("row").filter(has=page.get_by_text("revenue", exact=True))
    expect(revenue_row.get_by_text(str(revenue), exact=True)).to_be_visible()
    page.screenshot(path=screenshots / "mart-daily-revenue-figures.png")
    page.get_by_role("row").filter(has_text="revenue_by_day").get_by_text("[Show Markdown]").click()
    chart = page.locator('img[src^="data:image/png;base64,"]')
    expect(chart).to_be_visible()
    assert chart.evaluate("image => image.naturalWidth") == 1000  # decoded, not a broken image
    page.screenshot(path=screenshots / "mart-daily-revenue-chart.png")
