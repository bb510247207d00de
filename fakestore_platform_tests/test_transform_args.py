"""The pure helpers that turn a partition window and a dbt run into dbt's environment and messages."""

from datetime import date

from dagster_dbt import DbtCliResource

from fakestore_platform.defs.transform.assets import (
    dbt_failure_summary,
    partition_window,
    window_environment,
)
from fakestore_platform.defs.transform.failing_rows import describe_failing_rows, stored_failures
from fakestore_platform.defs.transform.project import DBT_EXECUTABLE, dbt_project
from fakestore_platform.defs.transform.resource import FakestoreDbtCli


def test_a_partition_window_becomes_inclusive_min_and_max_dates() -> None:
    assert partition_window(date(2020, 3, 1), date(2020, 3, 2)) == {
        "min_date": "2020-03-01",
        "max_date": "2020-03-01",
    }
    assert partition_window(date(2020, 1, 1), date(2020, 4, 1)) == {
        "min_date": "2020-01-01",
        "max_date": "2020-03-31",
    }


def test_the_window_goes_to_dbt_as_its_days_and_no_window_as_empty_ones() -> None:
    """Empty, not absent: dbt's environment starts from the worker's, whose stale values they hide."""
    assert window_environment({"min_date": "2020-03-01", "max_date": "2020-03-02"}) == {
        "FAKESTORE_DBT_MIN_DATE": "2020-03-01",
        "FAKESTORE_DBT_MAX_DATE": "2020-03-02",
    }
    assert window_environment(None) == {"FAKESTORE_DBT_MIN_DATE": "", "FAKESTORE_DBT_MAX_DATE": ""}


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


def test_a_build_that_died_before_its_results_is_summed_up_by_what_dbt_logged() -> None:
    logged = ["Encountered an error:\nDatabase Error\n  the database system is shutting down\n  "]
    assert dbt_failure_summary(None, logged) == (
        "dbt build failed before writing its results: Encountered an error: Database Error"
        " the database system is shutting down"
    )
    assert dbt_failure_summary(None) == (
        "dbt build failed before writing its results: see the dbt log in the run's compute logs"
    )


def test_a_test_that_did_not_pass_is_described_by_its_stored_rows_values_quoted() -> None:
    rows = [{"value_field": "toys", "n_records": 3}, {"value_field": "garden", "n_records": 1}]
    assert describe_failing_rows("audit.known_product_category", 2, rows) == (
        "2 failing rows in audit.known_product_category:"
        " value_field='toys', n_records=3; value_field='garden', n_records=1"
    )
    assert describe_failing_rows("audit.t", 12, rows[:1], shown=1) == (
        "12 failing rows in audit.t: value_field='toys', n_records=3; and 11 more"
    )


def test_only_a_test_that_stores_its_failures_has_a_table_to_read() -> None:
    manifest = {
        "nodes": {
            "test.fakestore.known_product_category.1": {
                "resource_type": "test",
                "config": {"store_failures": True},
                "schema": "audit",
                "alias": "known_product_category",
            },
            "test.fakestore.not_null_x.2": {
                "resource_type": "test",
                "config": {"store_failures": None},
                "schema": "audit",
                "alias": "not_null_x",
            },
        }
    }
    assert stored_failures(manifest, "test.fakestore.known_product_category.1") == (
        "audit",
        "known_product_category",
    )
    assert stored_failures(manifest, "test.fakestore.not_null_x.2") is None
    assert stored_failures(manifest, "test.fakestore.gone.3") is None
    assert stored_failures(manifest, None) is None


def test_the_dbt_version_read_from_metadata_is_the_one_dbt_reports() -> None:
    """The resource skips dagster-dbt's `dbt --version` process: the version must be the same."""
    dbt = FakestoreDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
    asked = DbtCliResource._cli_version.func(dbt)  # dagster-dbt's own: runs `dbt --version`
    assert dbt._cli_version == asked
