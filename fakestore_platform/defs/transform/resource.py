"""dbt's CLI as a resource whose every run gets its connection and window as an environment of its own.

dagster-dbt 0.29's `DbtCliResource.cli` builds dbt's environment from `os.environ` alone, so passing
the warehouse to dbt meant writing it into the run worker's environment (the password for good).
This resource builds the same environment with the invocation's variables added and leaves
os.environ as it found it; dagster-dbt's maintainers declined an `env` argument to `cli` (dagster
PR #29656), so the method is written out here, on the library's own helpers.
"""

import os
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path

from dagster import AssetExecutionContext, OpExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource
from dagster_dbt.asset_utils import (
    DBT_INDIRECT_SELECTION_ENV,
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.dbt_manifest import DbtManifestParam
from packaging import version


class FakestoreDbtCli(DbtCliResource):
    """`cli` takes `env`: the variables of this dbt run alone, over the worker's environment.

    No dbt adapter is opened in this process (DbtCliResource opens one from the profile, which
    would see no connection): it serves only column metadata and row counts, which the platform
    does not fetch, and dagster-dbt skips both without it.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        """dbt-core's version as installed beside this code, whose dbt the resource always runs
        (project.DBT_EXECUTABLE): DbtCliResource asks the executable with `dbt --version`, a whole
        dbt start (about 2 s) on every run's first dbt step, to learn the same number."""
        return version.parse(metadata.version("dbt-core"))

    def cli(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        raise_on_error: bool = True,
        manifest: DbtManifestParam | None = None,
        dagster_dbt_translator: DagsterDbtTranslator | None = None,
        context: OpExecutionContext | AssetExecutionContext | None = None,
        target_path: Path | None = None,
    ) -> DbtCliInvocation:
        cleaned_args, runtime_selects, runtime_excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest=manifest,
            dagster_dbt_translator=dagster_dbt_translator,
            runtime_selects=runtime_selects,
            runtime_excludes=runtime_excludes,
        )
        target_path = target_path or self._get_unique_target_path(context=context)
        project_dir = Path(
            params.dbt_project.project_dir if params.dbt_project else self.project_dir
        )
        # DbtCliResource.cli's environment, with this run's variables between the worker's and
        # the ones dagster-dbt needs to read dbt's output.
        dbt_env = {
            **os.environ,
            **(env or {}),
            "DAGSTER_DBT_CLI": "true",
            "PYTHONUNBUFFERED": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_LOG_FORMAT": "json",
            "DBT_TARGET_PATH": os.fspath(target_path),
            "DBT_LOG_PATH": os.fspath(target_path),
            **({"DBT_PROFILES_DIR": self.profiles_dir} if self.profiles_dir else {}),
            "DBT_PROJECT_DIR": str(project_dir),
        }
        if params.indirect_selection:
            dbt_env[DBT_INDIRECT_SELECTION_ENV] = params.indirect_selection
        profile_args = [
            *(["--profile", self.profile] if self.profile else []),
            *(["--target", self.target] if self.target else []),
        ]
        return DbtCliInvocation.run(
            args=[
                self.dbt_executable,
                *self.global_config_flags,
                *cleaned_args,
                *profile_args,
                *params.selection_args,
            ],
            env=dbt_env,
            manifest=params.manifest,
            dagster_dbt_translator=params.dagster_dbt_translator,
            project_dir=project_dir,
            target_path=target_path if target_path.is_absolute() else project_dir / target_path,
            raise_on_error=raise_on_error,
            context=context,
            adapter=None,
            cli_version=self._cli_version,
            dbt_project=params.dbt_project,
        )
