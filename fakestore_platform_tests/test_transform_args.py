"""The pure helpers that turn a partition window and a dbt run into dbt's environment and messages."""

import os
from datetime import date

from fakestore_platform.transform.assets import (
    dbt_failure_summary,
    partition_window,
    window_environment,
)


def test_a_partition_window_becomes_inclusive_min_and_max_dates() -> None:
    assert partition_window(date(2020, 3, 1), date(2020, 3, 2)) == {
        "min_date": "2020-03-01",
        "max_date": "2020-03-01",
    }
    assert partition_window(date(2020, 1, 1), date(2020, 4, 1)) == {
        "min_date": "2020-01-01",
        "max_date": "2020-03-31",
    }


def test_the_window_is_in_the_environment_only_while_dbt_is_started(monkeypatch) -> None:
    monkeypatch.setenv("FAKESTORE_DBT_MAX_DATE", "1999-01-01")  # a stale value never reaches dbt
    monkeypatch.delenv("FAKESTORE_DBT_MIN_DATE", raising=False)
    with window_environment({"min_date": "2020-03-01", "max_date": "2020-03-02"}):
        assert os.environ["FAKESTORE_DBT_MIN_DATE"] == "2020-03-01"
        assert os.environ["FAKESTORE_DBT_MAX_DATE"] == "2020-03-02"
    with window_environment(None):
        assert "FAKESTORE_DBT_MIN_DATE" not in os.environ
        assert "FAKESTORE_DBT_MAX_DATE" not in os.environ
    assert "FAKESTORE_DBT_MIN_DATE" not in os.environ
    assert os.environ["FAKESTORE_DBT_MAX_DATE"] == "1999-01-01"


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
