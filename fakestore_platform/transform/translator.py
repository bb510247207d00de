"""One translator decides every dbt resource's key, group and metadata in the asset graph."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


class FakestoreDbtTranslator(DagsterDbtTranslator):
    """Sources become the bronze assets' keys; models are keyed and grouped by their folder.

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
