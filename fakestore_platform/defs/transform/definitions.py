"""Transform's definitions: the dbt models as assets, their tests as asset checks."""

import dagster as dg

from fakestore_platform.defs.transform.assets import dbt_models
from fakestore_platform.defs.transform.project import DBT_EXECUTABLE, dbt_project
from fakestore_platform.defs.transform.resource import FakestoreDbtCli
from fakestore_platform.settings import Settings


def transform_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=dbt_models(settings),
        resources={"dbt": FakestoreDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)},
    )
