"""The Dagster code location: the one place that reads the settings; every stage is built from them.

`dg` and the dagster CLI load `defs`. Each stage of the data's path builds its definitions from the
settings it is given (no module reads the environment at import), so tests build the whole location
for any settings with `build_definitions`.
"""

import dagster as dg

from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.defs.automation.definitions import automation_definitions
from fakestore_platform.defs.ingest.definitions import ingest_definitions
from fakestore_platform.defs.quality.definitions import quality_definitions
from fakestore_platform.defs.serve.definitions import serve_definitions
from fakestore_platform.defs.transform.definitions import transform_definitions
from fakestore_platform.executors import executor_for
from fakestore_platform.settings import Settings, load_settings
from fakestore_platform.warehouse.resource import Warehouse


def build_definitions(settings: Settings) -> dg.Definitions:
    """Ingest, transform, quality, serve and automation, and the resources they share."""
    return dg.Definitions.merge(
        ingest_definitions(settings),
        transform_definitions(settings),
        quality_definitions(),
        serve_definitions(settings),
        automation_definitions(settings),
        dg.Definitions(
            executor=executor_for(settings.executor),
            resources={
                "fakestore_api": FakeStoreApi.from_settings(settings),
                "warehouse": Warehouse.from_settings(settings),
            },
        ),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(load_settings())
