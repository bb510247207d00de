"""The analysts' dashboard as they see it: `fakestore-platform dashboard` against a warehouse this
module builds, read in Debian's Chromium; each page's figures equal the marts', to the cent. And its
bad cases: no data yet, no reader password, the warehouse down and back.

Screenshots go to a temporary folder, or to FAKESTORE_UI_SCREENSHOTS (docs/img refreshes the
README's).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from fakestore_devtools.emulator import EmulatorConfig, serve_in_background
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.roles import ensure_reader_role
from fakestore_platform_tests.chromium import (
    Browser,
    Locator,
    Page,
    expect,
    new_page,
    requires_chromium,
)
from fakestore_platform_tests.dev_server import (
    CLI,
    free_port,
    stop_process_group,
    wait_until_serving,
)
from fakestore_platform_tests.scratch_warehouse import REPO, cli, fresh_database

VIEWPORT = {"width": 1400, "height": 1000}
# Two months of a busier store than the real API's seven carts: every page has something to show.
STORE = EmulatorConfig(users=40, carts=400, days=62)
EVERYTHING = ("--select", "*", "--partition-range", "2020-01-01...2020-03-02")
CENT = Decimal("0.01")
WHOLE_SPAN = {"start": "2020-01-01", "end": "2020-03-02"}

pytestmark = requires_chromium


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


@pytest.fixture(scope="module")
def warehouse(platform_env: dict[str, str], databases) -> str:
    """A warehouse built by a whole-graph run with the reader's password set, so it logs in."""
    url = fresh_database(databases, "dashboard_test")
    with serve_in_background(STORE) as api_url:
        result = cli(
            "materialize",
            *EVERYTHING,
            env={
                "FAKESTORE_WAREHOUSE_URL": url,
                "FAKESTORE_API_URL": api_url,
                "FAKESTORE_READER_PASSWORD": platform_env["FAKESTORE_READER_PASSWORD"],
            },
        )
    assert result.returncode == 0, result.stderr[-4000:]
    return url


def dashboard_env(warehouse_url: str | None, reader_password: str | None) -> dict[str, str]:
    """This process's environment less the platform's variables, plus the ones given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKESTORE_", "DAGSTER_"))}
    env["FAKESTORE_HOME"] = os.environ["FAKESTORE_HOME"]
    if warehouse_url:
        env["FAKESTORE_WAREHOUSE_URL"] = warehouse_url
    if reader_password:
        env["FAKESTORE_READER_PASSWORD"] = reader_password
    return env


@contextmanager
def dashboard(env: dict[str, str], log: Path) -> Iterator[str]:
    """`fakestore-platform dashboard` on a free port, as a user starts it; its URL."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [CLI, "dashboard", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, log, timeout=90, path="/_stcore/health")
        yield url
    finally:
        stop_process_group(process, grace=10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with new_page(browser, VIEWPORT) as page:
        yield page


@pytest.fixture(scope="module")
def served(warehouse: str, platform_env: dict[str, str], tmp_path_factory) -> Iterator[str]:
    env = dashboard_env(warehouse, platform_env["FAKESTORE_READER_PASSWORD"])
    with dashboard(env, tmp_path_factory.mktemp("dashboard") / "dashboard.log") as url:
        yield url


def metric(page: Page, label: str) -> Locator:
    """The value of the metric labelled `label`."""
    labelled = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=labelled).get_by_test_id("stMetricValue")


def open_page(page: Page, base: str, path: str, **params: str) -> None:
    page.goto(f"{base}/{path}" + (f"?{urlencode(params)}" if params else ""))
    expect(page.get_by_test_id("stApp")).to_be_visible()


def settle(page: Page) -> None:
    """Streamlit has finished the page's script and drawn its charts."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    page.wait_for_timeout(1500)  # the charts' drawing, after the script


def one(url: str, query: str) -> tuple:
    with connect(url) as conn:
        return conn.execute(query).fetchone()


def test_the_headline_shows_the_periods_totals_and_their_change(
    served: str, warehouse: str, page: Page, screenshots: Path
) -> None:
    revenue, carts, units = one(
        warehouse, "select sum(revenue), sum(carts), sum(units) from marts.mart_daily_revenue"
    )
    open_page(page, served, "", **WHOLE_SPAN)
    expect(metric(page, "Revenue")).to_have_text(money(revenue))
    expect(metric(page, "Carts")).to_have_text(f"{carts:,}")
    expect(metric(page, "Units")).to_have_text(f"{units:,}")
    expect(metric(page, "Average cart")).to_have_text(
        money((revenue / carts).quantize(CENT, ROUND_HALF_UP))
    )

    # The default: the last 30 days, against the 30 before.
    (last,) = one(warehouse, "select max(order_date) from marts.mart_daily_revenue")
    start, before = last - timedelta(days=29), last - timedelta(days=59)
    now, then = one(
        warehouse,
        f"select sum(revenue) filter (where order_date >= '{start}'),"
        f" sum(revenue) filter (where order_date < '{start}' and order_date >= '{before}')"
        " from marts.mart_daily_revenue",
    )
    open_page(page, served, "")
    expect(metric(page, "Revenue")).to_have_text(money(now))
    delta = page.get_by_test_id("stMetric").first.get_by_test_id("stMetricDelta")
    expect(delta).to_have_text(f"{(now - then) / then:+.1%}")
    settle(page)
    page.screenshot(path=screenshots / "dashboard-headline.png")


def test_daily_revenue_shows_the_days_and_the_7_day_moving_average(
    served: str, warehouse: str, page: Page, screenshots: Path
) -> None:
    revenue, last_week, days = one(
        warehouse,
        "select sum(revenue),"
        " (select revenue_7d_moving from marts.mart_daily_revenue order by order_date desc limit 1),"
        " count(*) from marts.mart_daily_revenue",
    )
    assert days >= 7
    open_page(page, served, "daily_revenue", **WHOLE_SPAN)
    expect(metric(page, "Revenue in the period")).to_have_text(money(revenue))
    expect(metric(page, "7-day average on the last day")).to_have_text(
        money((last_week / 7).quantize(CENT, ROUND_HALF_UP))
    )
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    settle(page)
    page.screenshot(path=screenshots / "dashboard-daily-revenue.png", full_page=True)


def test_the_category_mix_sums_the_months_of_the_chosen_categories(
    served: str, warehouse: str, page: Page, screenshots: Path
) -> None:
    (revenue,) = one(warehouse, "select sum(revenue) from marts.mart_category_performance")
    open_page(page, served, "category_mix", **WHOLE_SPAN)
    expect(metric(page, "Revenue of these months")).to_have_text(money(revenue))
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    settle(page)
    page.screenshot(path=screenshots / "dashboard-category-mix.png", full_page=True)


def test_top_products_lead_with_the_best_seller(
    served: str, warehouse: str, page: Page, screenshots: Path
) -> None:
    title, revenue = one(
        warehouse,
        "select title, revenue from marts.mart_product_performance"
        " order by revenue_rank, product_id limit 1",
    )
    (top_ten,) = one(
        warehouse,
        "select sum(revenue) from (select revenue from marts.mart_product_performance"
        " order by revenue_rank, product_id limit 10) as top",
    )
    open_page(page, served, "top_products")
    expect(metric(page, "Top product")).to_have_text(title)
    expect(metric(page, "Its revenue")).to_have_text(money(revenue))
    expect(metric(page, "Revenue of these products")).to_have_text(money(top_ten))
    settle(page)
    page.screenshot(path=screenshots / "dashboard-top-products.png", full_page=True)


def test_rfm_segments_count_every_customer(
    served: str, warehouse: str, page: Page, screenshots: Path
) -> None:
    customers, revenue = one(
        warehouse, "select count(*), sum(monetary) from marts.mart_customer_rfm"
    )
    open_page(page, served, "customers")
    expect(metric(page, "Customers")).to_have_text(f"{customers:,}")
    expect(metric(page, "Their revenue")).to_have_text(money(revenue))
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)  # segments, then customers
    settle(page)
    page.screenshot(path=screenshots / "dashboard-rfm.png", full_page=True)


def test_cohort_retention_is_a_heatmap_of_every_cohort(
    served: str, warehouse: str, page: Page, screenshots: Path
) -> None:
    cohorts, customers = one(
        warehouse,
        "select count(*), sum(cohort_customers) from marts.mart_customer_cohorts"
        " where months_since = 0",
    )
    open_page(page, served, "cohorts")
    expect(metric(page, "Cohorts")).to_have_text(f"{cohorts:,}")
    expect(metric(page, "Customers")).to_have_text(f"{customers:,}")
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    settle(page)
    page.screenshot(path=screenshots / "dashboard-cohorts.png", full_page=True)


# --- The bad cases -------------------------------------------------------------------------------


def test_an_empty_warehouse_shows_no_data_yet_not_a_traceback(
    databases, platform_env: dict[str, str], page: Page, tmp_path: Path
) -> None:
    url = fresh_database(databases, "dashboard_empty_test")
    with connect(url, autocommit=True) as conn:  # the role, as a first build would leave it
        ensure_reader_role(conn, platform_env["FAKESTORE_READER_PASSWORD"])
    env = dashboard_env(url, platform_env["FAKESTORE_READER_PASSWORD"])
    with dashboard(env, tmp_path / "dashboard.log") as served_empty:
        for path in ("", "cohorts"):
            open_page(page, served_empty, path)
            expect(page.get_by_text("No data yet — run make demo", exact=False)).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)


def test_without_the_reader_password_the_command_says_which_variable_to_set(
    warehouse: str,
) -> None:
    result = cli(
        "dashboard", "--port", str(free_port()), env={"FAKESTORE_WAREHOUSE_URL": warehouse}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("fakestore-platform: error: FAKESTORE_READER_PASSWORD is not set")


def with_socket_folder(url: str, folder: Path) -> str:
    """`url` reaching the server through the Unix socket folder `folder` instead of its own."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["host"] = [str(folder)]
    return parts._replace(query=urlencode(query, doseq=True)).geturl()


def test_the_dashboard_says_the_warehouse_is_down_keeps_serving_and_recovers(
    warehouse: str, platform_env: dict[str, str], page: Page, tmp_path: Path
) -> None:
    """The dashboard reaches the server through a socket of its own: a link to the server's, which
    the test removes (the warehouse is down) and puts back (it is up again)."""
    real_folder = Path(parse_qs(urlsplit(warehouse).query)["host"][0])
    [real_socket] = (p for p in real_folder.glob(".s.PGSQL.*") if p.suffix != ".lock")
    folder = tmp_path / "socket"
    folder.mkdir()
    link = folder / real_socket.name
    env = dashboard_env(
        with_socket_folder(warehouse, folder), platform_env["FAKESTORE_READER_PASSWORD"]
    )
    with dashboard(env, tmp_path / "dashboard.log") as served_down:
        open_page(page, served_down, "", **WHOLE_SPAN)
        expect(page.get_by_text("The warehouse cannot be read")).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)

        link.symlink_to(real_socket)
        (revenue,) = one(warehouse, "select sum(revenue) from marts.mart_daily_revenue")
        open_page(page, served_down, "", **WHOLE_SPAN)
        expect(metric(page, "Revenue")).to_have_text(money(revenue))
