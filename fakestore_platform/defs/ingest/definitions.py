"""Ingest's definitions: the bronze assets and their checks, built from the settings."""

import dagster as dg

from fakestore_platform.defs.ingest.assets import bronze_assets
from fakestore_platform.defs.ingest.checks import bronze_checks
from fakestore_platform.settings import Settings


def ingest_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(assets=bronze_assets(settings), asset_checks=bronze_checks(settings))
