"""A platform or database error inside a Dagster step as the step's failure, in one readable line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from fakestore_platform.errors import FakestoreError
from fakestore_platform.warehouse.connection import warehouse_errors


@contextmanager
def step_failure() -> Iterator[None]:
    """The platform's errors and psycopg's (as warehouse_errors words them) raised as a dg.Failure
    whose description is their one line, retried only if it may pass: a lost connection may, a
    refused statement cannot. Without it a check's database error shows as a traceback."""
    try:
        with warehouse_errors():
            yield
    except FakestoreError as exc:
        raise dg.Failure(description=str(exc), allow_retries=exc.retryable) from exc
