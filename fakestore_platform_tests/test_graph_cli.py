"""The whole graph through the dagster CLI, as the README tells users to run it."""

import shlex
from datetime import UTC, datetime

import dagster as dg

from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.dagster_cli import REPO, dagster_cli
from fakestore_platform_tests.expectations import (
    ApiData,
    assert_no_password_anywhere,
    assert_warehouse_matches_api,
)


def test_definitions_validate(platform_env) -> None:
    result = dagster_cli("definitions", "validate", "-w", "workspace.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "All code locations passed validation" in result.stderr + result.stdout


def readme_cli_commands() -> list[list[str]]:
    """The dagster commands of the README's cli-commands block, comments dropped."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- cli-commands -->")[1].split("<!-- /cli-commands -->")[0]
    return [
        shlex.split(line.removeprefix(".venv/bin/dagster "))
        for line in block.splitlines()
        if line.startswith(".venv/bin/dagster ")
    ]


def test_the_readme_cli_commands_work_as_written(platform_env, databases, local_api) -> None:
    materialize, check, backfill = readme_cli_commands()
    assert materialize[:2] == ["asset", "materialize"] and "--partition-range" in materialize
    started = datetime.now(UTC)

    result = dagster_cli(*materialize)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert output.count("RUN_SUCCESS") == 1  # the whole range in one run
    api = ApiData.fetch(local_api)
    with connect(databases.warehouse) as conn:
        assert_warehouse_matches_api(conn, api)
        assert_no_password_anywhere(conn, [user["password"] for user in api.users])

    assert check[:3] == ["job", "execute", "-m"] and check[-2:] == ["-j", "asset_checks"]
    result = dagster_cli(*check)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "ASSET_MATERIALIZATION" not in output
    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_runs(
            dg.RunsFilter(job_name="asset_checks", created_after=started), limit=1
        )
        evaluations = [
            record.event_log_entry.dagster_event.event_specific_data
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
        ]
    assert len(evaluations) > 100 and all(evaluation.passed for evaluation in evaluations)

    assert backfill[:2] == ["job", "backfill"] and "--noprompt" in backfill
    result = dagster_cli(*backfill)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    backfill_id = output.split("Launched backfill job `")[1].split("`")[0]
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        # queued for a daemon, one per day (test_dev_automation has a daemon run them)
        assert {run.tags["dagster/partition"] for run in runs} == {
            f"2020-01-0{day}" for day in range(1, 8)
        }
        assert {run.status for run in runs} == {dg.DagsterRunStatus.QUEUED}
        for run in runs:  # no daemon here: leave nothing queued for a later test's daemon
            instance.report_run_canceled(run, message="test without a daemon")
