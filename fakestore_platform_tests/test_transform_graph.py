"""The dbt project's place in the asset graph, read from the definitions and the dbt manifest: every
dbt test is a check of a model it reads, staging alone reads bronze and every staging model is read,
and the partitioned facts still follow bronze's carts day for day."""

import json
from typing import Any

import dagster as dg
import pytest
from dagster_dbt.asset_utils import DAGSTER_DBT_UNIQUE_ID_METADATA_KEY

from fakestore_platform.defs.transform.project import dbt_project
from fakestore_platform.warehouse.connection import WAREHOUSE_DATABASE

BRONZE_CARTS = dg.AssetKey(["bronze", "carts"])
FACTS = [dg.AssetKey(["core", "fact_cart_items"]), dg.AssetKey(["core", "fact_carts"])]


@pytest.fixture(scope="module")
def defs(platform_env) -> dg.Definitions:
    """Built from the platform's environment, as the code location builds them."""
    from fakestore_platform.definitions import build_definitions
    from fakestore_platform.settings import load_settings

    return build_definitions(load_settings())


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads(dbt_project.manifest_path.read_text())


def dbt_check_specs(defs: dg.Definitions) -> dict[str, dg.AssetCheckSpec]:
    """Each dbt asset definition's checks, by the unique id of the dbt test behind it."""
    return {
        spec.metadata[DAGSTER_DBT_UNIQUE_ID_METADATA_KEY]: spec
        for assets in defs.assets
        if isinstance(assets, dg.AssetsDefinition)
        and assets.node_def.name.startswith("fakestore_dbt")
        for spec in assets.check_specs
    }


def test_every_dbt_test_is_a_check_of_a_model_built_after_all_it_reads(defs, manifest) -> None:
    """A dbt test with no check (one reading models of two dbt asset definitions, say) would run in
    some step as an observation; a check reading a model built after its own would run there too."""
    tests = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    specs = dbt_check_specs(defs)
    graph = defs.resolve_asset_graph()
    assert len(tests) > 80
    assert set(specs) == tests
    read_later = {
        (spec.asset_key.to_user_string(), spec.name): sorted(
            dep.asset_key.to_user_string()
            for dep in spec.additional_deps
            if dep.asset_key
            not in dg.AssetSelection.assets(spec.asset_key).upstream().resolve(graph)
        )
        for spec in specs.values()
    }
    assert {check: deps for check, deps in read_later.items() if deps} == {}


def test_staging_alone_reads_bronze_and_every_staging_model_is_read(manifest) -> None:
    models = {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }
    readers_of_bronze = {
        node["name"]
        for node in models.values()
        if any(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
    }
    staging = {node["name"] for node in models.values() if node["fqn"][1] == "staging"}
    read_by_a_model = {
        manifest["nodes"][parent]["name"]
        for node in models.values()
        for parent in node["depends_on"]["nodes"]
        if parent in models
    }
    assert readers_of_bronze and readers_of_bronze <= staging
    assert staging - read_by_a_model == set()


def test_the_facts_depend_on_bronze_carts_partition_for_partition(defs) -> None:
    """The facts read bronze's carts through staging's unpartitioned views; Dagster still maps their
    day D to bronze's day D, so a day loaded rebuilds that day of the facts and no other."""
    graph = defs.resolve_asset_graph()
    for fact in FACTS:
        assert BRONZE_CARTS in graph.get(fact).parent_keys, fact
        mapping = graph.get_partition_mapping(fact, BRONZE_CARTS)
        assert isinstance(mapping, dg.TimeWindowPartitionMapping), fact
        assert (mapping.start_offset, mapping.end_offset) == (0, 0)
        parents = graph.get_parent_partition_keys_for_child("2020-03-01", BRONZE_CARTS, fact)
        assert parents.partitions_subset.get_partition_keys() == ["2020-03-01"]


def test_every_dbt_asset_is_stored_in_the_warehouse_database(defs) -> None:
    """The manifest is parsed with the profile's defaults, no placeholder connection: each model's
    storage address in the UI is warehouse.<schema>.<table>, the database dbt builds it in."""
    tables = {
        spec.key.to_user_string(): spec.metadata["dagster/table_name"]
        for assets in defs.assets
        if isinstance(assets, dg.AssetsDefinition)
        and assets.node_def.name.startswith("fakestore_dbt")
        for spec in assets.specs
    }
    assert tables["marts/mart_customer_rfm"] == f"{WAREHOUSE_DATABASE}.marts.mart_customer_rfm"
    assert tables["core/fact_carts"] == f"{WAREHOUSE_DATABASE}.core.fact_carts"
    assert {table.split(".")[0] for table in tables.values()} == {WAREHOUSE_DATABASE}
