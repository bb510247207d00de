"""The one DbtProject. Its manifest is prepared before definitions load: by `make` (dbt parse), by
`dagster-dbt project prepare-and-package` in the image, and on every load under `dagster dev`."""

import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

# The dbt installed beside this Python, whatever PATH the process was started with.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
