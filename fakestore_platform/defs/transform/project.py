"""The one DbtProject. Its manifest is prepared before definitions load: by `make` (dbt parse), by
`dagster-dbt project prepare-and-package` in the image, and on every load under `dg dev` or
`dagster dev`."""

import sys
from pathlib import Path

from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from dagster_shared.record import replace

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

# The dbt installed beside this Python, whatever PATH the process was started with.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class PrepareWithThisDbt(DagsterDbtProjectPreparer):
    """dagster-dbt's preparation (dbt parse, one process at a time), with the dbt beside this
    Python: dagster-dbt's own looks for dbt on PATH, which `.venv/bin/dg dev` run from a shell
    without the venv activated does not have."""

    def prepare(self, project: DbtProject) -> None:
        run_with_concurrent_update_guard(project.manifest_path, self._parse, project=project)

    def _parse(self, project: DbtProject) -> None:
        dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()


dbt_project = replace(
    DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR),
    preparer=PrepareWithThisDbt(),
)
dbt_project.prepare_if_dev()
