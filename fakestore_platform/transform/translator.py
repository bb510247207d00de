"""One translator decides every dbt resource's key, group and metadata in the asset graph."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from fakestore_platform.automation.conditions import follows_parents
from fakestore_platform.automation.freshness import DAILY_FRESHNESS
from fakestore_platform.settings import current_settings


class FakestoreDbtTranslator(DagsterDbtTranslator):
    """Sources become the bronze assets' keys; models are keyed and grouped by their folder, follow
    their parents by an automation condition, and the marts carry a freshness policy.

    `bronze.carts` in dbt is the asset `bronze/carts` in Dagster, so bronze and dbt form one graph.
    """

    def __init__(self) -> None:
        super().__init__(
            DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True)
        )

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
        return follows_parents(current_settings().carts_lookback_days)

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        return (
            spec.replace_attributes(freshness_policy=DAILY_FRESHNESS)
            if spec.group_name == "marts"
            else spec
        )
