"""The one DbtProject. Its manifest is prepared before definitions load: by `make` (dbt parse), by
`dagster-dbt project prepare-and-package` in the image, and on every load under `dg dev` or
`dagster dev`."""

import os
import shutil
import sys
from pathlib import Path

from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from dagster_shared.record import replace

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
# What a parse reads: the manifest is current when it is newer than all of them (as for make).
PROJECT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests")

# The dbt installed beside this Python, whatever PATH the process was started with.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class PrepareWithThisDbt(DagsterDbtProjectPreparer):
    """dagster-dbt's preparation (dbt parse, one process at a time), with three changes:

    - the dbt beside this Python: dagster-dbt's own looks for dbt on PATH, which `.venv/bin/dg dev`
      run from a shell without the venv activated does not have;
    - nothing to do when the manifest is newer than every file of the project: under `dg dev`
      every definitions load prepares, the code server's and each run worker's;
    - the new manifest replaces the old one whole (dbt writes it in place), so a process loading
      definitions meanwhile reads the old manifest or the new one, never half of one.
    """

    def prepare(self, project: DbtProject) -> None:
        if not _manifest_is_current(project):
            run_with_concurrent_update_guard(project.manifest_path, self._parse, project=project)

    def _parse(self, project: DbtProject) -> None:
        staging = Path(project.target_path) / f"prepare-{os.getpid()}"
        dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
        dbt.cli(["parse", "--quiet"], target_path=staging).wait()
        parsed = project.project_dir / staging
        os.replace(parsed / "manifest.json", project.manifest_path)
        shutil.rmtree(parsed, ignore_errors=True)


def _manifest_is_current(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return False
    built = project.manifest_path.stat().st_mtime
    sources = [project.project_dir / name for name in PROJECT_SOURCES]
    files = [
        path
        for source in sources
        for path in ([source] if source.is_file() else source.rglob("*"))
        if path.is_file()
    ]
    return all(path.stat().st_mtime <= built for path in files)


dbt_project = replace(
    DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR),
    preparer=PrepareWithThisDbt(),
)
dbt_project.prepare_if_dev()
