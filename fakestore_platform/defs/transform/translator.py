"""One translator decides every dbt resource's key, group and metadata in the asset graph."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from fakestore_platform.defs.ingest.freshness import DAILY_FRESHNESS
from fakestore_platform.defs.transform.conditions import follows_parents

# dbt meta of a staging view that holds its bronze source's partitions row for row, partition D being
# the rows of order_date D: a partitioned model reading it reads bronze's partition D.
PARTITION_VIEW = "partition_view"


class FakestoreDbtTranslator(DagsterDbtTranslator):
    """Sources become the bronze assets' keys; models are keyed and grouped by their folder, follow
    their parents by an automation condition, and the marts carry a freshness policy.

    `bronze.carts` in dbt is the asset `bronze/carts` in Dagster, so bronze and dbt form one graph.
    Only staging reads bronze in dbt; the partitioned facts read it through staging's unpartitioned
    partition views, so here they depend on the bronze asset under those views too, day D on day D.
    """

    def __init__(self, lookback_days: int) -> None:
        """`lookback_days`: the recent days a dimension's update rebuilds (follows_parents)."""
        super().__init__(
            DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True)
        )
        self.lookback_days = lookback_days

    @staticmethod
    def _layer(props: Mapping[str, Any]) -> str:
        # fqn is [project, folder, ..., name]: the first folder is the layer (staging, core, marts).
        return props["fqn"][1]

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return self._layer(dbt_resource_props)

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        return follows_parents(self.lookback_days)

    def _bronze_partitions_read(
        self, manifest: Mapping[str, Any], props: Mapping[str, Any]
    ) -> list[dg.AssetKey]:
        """The bronze assets whose day D a partitioned model's day D reads through partition views."""
        if "partitioned" not in props.get("tags", []):
            return []
        parents = [manifest["nodes"].get(parent, {}) for parent in props["depends_on"]["nodes"]]
        views = [
            node for node in parents if node.get("config", {}).get("meta", {}).get(PARTITION_VIEW)
        ]
        sources = {
            source
            for view in views
            for source in view["depends_on"]["nodes"]
            if source in manifest["sources"]
        }
        return sorted(
            (self.get_asset_key(manifest["sources"][source]) for source in sources),
            key=lambda key: key.path,
        )

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.group_name == "marts":
            spec = spec.replace_attributes(freshness_policy=DAILY_FRESHNESS)
        props = self.get_resource_props(manifest, unique_id)
        read = {dep.asset_key for dep in spec.deps}
        bronze_days = [
            dg.AssetDep(key, partition_mapping=dg.TimeWindowPartitionMapping())
            for key in self._bronze_partitions_read(manifest, props)
            if key not in read
        ]
        return spec.merge_attributes(deps=bronze_days) if bronze_days else spec
