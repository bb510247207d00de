"""The pure helpers that turn a partition window and a dbt run into arguments and messages."""

import json
from datetime import date

from fakestore_platform.transform.assets import dbt_build_args, dbt_failure_summary, partition_vars


def test_a_partition_window_becomes_inclusive_min_and_max_dates() -> None:
    assert partition_vars(date(2020, 3, 1), date(2020, 3, 2)) == {
        "min_date": "2020-03-01",
        "max_date": "2020-03-01",
    }
    assert partition_vars(date(2020, 1, 1), date(2020, 4, 1)) == {
        "min_date": "2020-01-01",
        "max_date": "2020-03-31",
    }


def test_build_args_pass_the_window_as_vars_only_when_there_is_one() -> None:
    assert dbt_build_args() == ["build"]
    command, flag, value = dbt_build_args({"min_date": "2020-03-01", "max_date": "2020-03-01"})
    assert (command, flag, json.loads(value)) == (
        "build",
        "--vars",
        {"min_date": "2020-03-01", "max_date": "2020-03-01"},
    )


def test_a_failed_build_is_summed_up_by_its_failing_nodes() -> None:
    results = {
        "results": [
            {
                "unique_id": "model.fakestore.stg_carts",
                "status": "success",
                "message": "CREATE VIEW",
            },
            {
                "unique_id": "model.fakestore.fact_carts",
                "status": "error",
                "message": "Database Error\n  boom",
            },
            {
                "unique_id": "test.fakestore.unique_x.abc123",
                "status": "fail",
                "message": "Got 2 results",
            },
            {"unique_id": "model.fakestore.mart_x", "status": "skipped", "message": None},
        ]
    }
    assert dbt_failure_summary(results) == (
        "dbt build failed: fact_carts (error): Database Error boom; unique_x (fail): Got 2 results"
    )
