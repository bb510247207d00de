"""The dbt assets' automation conditions, evaluated with `evaluate_automation_conditions` over the
platform's own definitions and a real instance, tick after tick, as the daemon would."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from fakestore_platform.settings import load_settings

BRONZE_CARTS, BRONZE_PRODUCTS, BRONZE_USERS = (
    dg.AssetKey(["bronze", entity]) for entity in ("carts", "products", "users")
)
FACTS = [dg.AssetKey(["core", "fact_cart_items"]), dg.AssetKey(["core", "fact_carts"])]
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def defs(platform_env) -> dg.Definitions:
    """Built from the platform's environment, as the code location builds them."""
    from fakestore_platform.definitions import build_definitions
    from fakestore_platform.settings import load_settings

    return build_definitions(load_settings())


def dbt_keys(defs: dg.Definitions) -> set[dg.AssetKey]:
    return {
        key
        for assets in defs.assets
        if isinstance(assets, dg.AssetsDefinition)
        and assets.node_def.name.startswith("fakestore_dbt")
        for key in assets.keys
    }


class Ticks:
    """The instance and the automation cursor; each tick's requests are run as a successful run
    would record them: every requested partition materialized, its blocking checks passed."""

    def __init__(self, instance: dg.DagsterInstance, defs: dg.Definitions) -> None:
        self.instance, self.defs = instance, defs
        self.cursor = None
        self.graph = defs.resolve_asset_graph()

    def materialize(self, key: dg.AssetKey, partition: str | None = None, *, checks_pass=True):
        self.instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=key, partition=partition)
        )
        for check_key in self.graph.get(key).check_keys:
            self.instance.report_runless_asset_event(
                dg.AssetCheckEvaluation(
                    asset_key=key,
                    check_name=check_key.name,
                    passed=checks_pass,
                    severity=dg.AssetCheckSeverity.ERROR,
                )
            )

    def tick(self) -> dict[dg.AssetKey, set[str | None]]:
        result = dg.evaluate_automation_conditions(
            defs=self.defs, instance=self.instance, cursor=self.cursor
        )
        self.cursor = result.cursor
        return {
            key: set(result.get_requested_partitions(key))
            for key in dbt_keys(self.defs) | {BRONZE_CARTS, BRONZE_PRODUCTS, BRONZE_USERS}
            if result.get_num_requested(key)
        }

    def run_until_quiet(self) -> dict[dg.AssetKey, set[str | None]]:
        """Tick and run what is requested until nothing is: everything requested, by asset."""
        requested: dict[dg.AssetKey, set[str | None]] = {}
        for _ in range(10):
            this_tick = self.tick()
            if not this_tick:
                return requested
            for key, partitions in this_tick.items():
                requested.setdefault(key, set()).update(partitions)
                for partition in partitions:
                    self.materialize(key, partition)
        raise AssertionError(f"automation never settled: still requesting {this_tick}")


@pytest.fixture
def ticks(defs) -> Iterator[Ticks]:
    with dg.instance_for_test() as instance:
        ticks = Ticks(instance, defs)
        ticks.tick()  # the daemon's first tick, on an empty instance
        yield ticks


def _loaded(ticks: Ticks, *days) -> None:
    ticks.materialize(BRONZE_PRODUCTS)
    ticks.materialize(BRONZE_USERS)
    for day in days:
        ticks.materialize(BRONZE_CARTS, day.isoformat())


def test_every_dbt_asset_has_the_condition_and_bronze_has_none(defs) -> None:
    graph, keys = defs.resolve_asset_graph(), dbt_keys(defs)
    assert keys and all(
        graph.get(key).automation_condition.get_label() == "follows its parents" for key in keys
    )
    assert graph.get(BRONZE_CARTS).automation_condition is None


def test_nothing_runs_before_bronze_has_data(ticks) -> None:
    assert ticks.run_until_quiet() == {}
    ticks.materialize(BRONZE_PRODUCTS)  # products alone: users and carts still have no data
    assert set(ticks.run_until_quiet()) == {
        dg.AssetKey(["staging", "stg_product_batches"]),
        dg.AssetKey(["core", "dim_products"]),
    }


def test_dbt_follows_each_bronze_load_late_days_included_and_stops_at_a_failed_check(
    ticks,
) -> None:
    # One scenario, because every step starts where the last one left the instance.
    _loaded(ticks, TODAY)
    requested = ticks.run_until_quiet()
    assert set(requested) == dbt_keys(ticks.defs)  # bronze is never requested: schedules load it
    for fact in FACTS:
        assert requested[fact] == {TODAY.isoformat()}

    late = TODAY - timedelta(days=load_settings().carts_lookback_days + 30)
    ticks.materialize(BRONZE_CARTS, late.isoformat())
    requested = ticks.run_until_quiet()
    for fact in FACTS:
        # the late day by its own update; today because staging, a parent of every day, changed
        assert requested[fact] == {late.isoformat(), TODAY.isoformat()}
    assert dg.AssetKey(["marts", "mart_daily_revenue"]) in requested

    ticks.materialize(BRONZE_PRODUCTS, checks_pass=False)
    requested = ticks.run_until_quiet()
    assert dg.AssetKey(["staging", "stg_product_batches"]) not in requested
    assert dg.AssetKey(["core", "dim_products"]) not in requested
    # once the products load again and pass, the models follow
    ticks.materialize(BRONZE_PRODUCTS)
    assert dg.AssetKey(["core", "dim_products"]) in ticks.run_until_quiet()


def test_bronze_and_the_marts_carry_a_freshness_policy(defs) -> None:
    graph = defs.resolve_asset_graph()
    marts = {key for key in dbt_keys(defs) if key.path[0] == "marts"}
    fresh = {key for key in graph.get_all_asset_keys() if graph.get(key).freshness_policy}
    assert fresh == {BRONZE_CARTS, BRONZE_PRODUCTS, BRONZE_USERS} | marts and len(marts) == 6
