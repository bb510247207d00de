"""The one DbtProject. Its manifest is built by `make` (dbt parse), never on definitions load."""

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from fakestore_platform.errors import FakestoreError

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

# The dbt installed beside this Python, whatever PATH the process was started with.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

if not dbt_project.manifest_path.exists():
    raise FakestoreError(
        f"the dbt manifest {dbt_project.manifest_path} is missing: run `make manifest` (make demo and make test do)"
    )
