"""Quality's definitions: the checks that span layers."""

import dagster as dg

from fakestore_platform.defs.quality.reconciliation import reconciliation_checks


def quality_definitions() -> dg.Definitions:
    return dg.Definitions(asset_checks=reconciliation_checks)
