"""Serve's definitions: the dashboard's refresh asset and where it writes its token."""

import dagster as dg

from fakestore_platform.defs.serve.assets import DashboardCache, marts_refresh
from fakestore_platform.settings import Settings


def serve_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[marts_refresh],
        resources={"dashboard_cache": DashboardCache.from_settings(settings)},
    )
