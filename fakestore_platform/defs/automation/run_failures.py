"""Every failed run, recorded once in audit.run_failures with each failed step's own cause, and
posted to a webhook when one is configured: by the sensor for the daemon's runs, by `materialize`
for its own (one function for both; whichever sees a run first records it)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import httpx
from dagster._core.errors import DagsterUserCodeExecutionError
from dagster._core.events import StepFailureData
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from dagster._utils.error import SerializableErrorInfo
from psycopg import sql
from pydantic import Field

from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.catalog import AUDIT, RUN_FAILURES, audit
from fakestore_platform.warehouse.connection import warehouse_errors
from fakestore_platform.warehouse.ddl import ensure_tables
from fakestore_platform.warehouse.resource import Warehouse

FAILURES = audit(RUN_FAILURES)

DDL = sql.SQL("""
create schema if not exists {audit};

create table if not exists {failures} (
    run_id text primary key,
    job_name text not null,
    assets text[] not null,
    partitions text,
    error text not null,
    failed_at timestamptz not null,
    webhook_status text not null
);
comment on column {failures}.assets is 'The assets the run planned to materialize.';
comment on column {failures}.webhook_status is 'not configured, delivered (HTTP status), or why delivery failed.';
""").format(audit=sql.Identifier(AUDIT), failures=FAILURES)
WEBHOOK_TIMEOUT_SECONDS = 10.0


class FailureWebhook(dg.ConfigurableResource):
    """Where failures are posted: FAKESTORE_FAILURE_WEBHOOK_URL (a secret: chat webhooks carry a token)."""

    url: str | None = Field(
        default=None, description="http(s) URL taking a JSON POST; unset: none."
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> "FailureWebhook":
        return cls(
            url=dg.EnvVar("FAKESTORE_FAILURE_WEBHOOK_URL") if settings.failure_webhook_url else None
        )

    def post(self, payload: dict[str, Any]) -> str:
        """Deliver `payload`; say how it went, never raise: the failure is recorded either way."""
        if not self.url:
            return "not configured"
        try:
            response = httpx.post(self.url, json=payload, timeout=WEBHOOK_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            return f"failed: {type(exc).__name__}: {exc}"
        if response.is_success:
            return f"delivered (HTTP {response.status_code})"
        return f"failed: HTTP {response.status_code}"


def _subclass_names(cls: type) -> set[str]:
    return {cls.__name__}.union(*(_subclass_names(sub) for sub in cls.__subclasses__()))


# Errors Dagster raises around a step's own error, keeping it as their cause: any exception of the
# step's code, and the last attempt of a retried step ("Exceeded max_retries of N").
DAGSTER_WRAPPERS = frozenset(
    _subclass_names(DagsterUserCodeExecutionError)
    | {"RetryRequested", "RetryRequestedFromPolicy", "DagsterMaxRetriesExceededError"}
)
# The excerpt of the query psycopg appends to a server's message: "LINE 1: select ...", then a caret.
QUERY_EXCERPT = re.compile(r"\nLINE \d+: .*(\n *\^)?")
PLATFORM_MODULE = "fakestore_platform."
UNKNOWN_CAUSE = "the run failed without recording why; its events are in Dagster's run storage"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def error_cause(error: SerializableErrorInfo) -> str:
    """The error under Dagster's wrappers, in one line: the platform's own errors as they are
    written for the user, any other after its class name."""
    while error.cause is not None and (
        error.cls_name in DAGSTER_WRAPPERS or error.message.startswith("Exceeded max_retries")
    ):
        error = error.cause
    # Serialized as traceback formats it: "package.module.Class: message", or the class alone.
    qualified, _, text = error.message.partition(": ")
    if qualified.rsplit(".", 1)[-1] != error.cls_name:
        qualified, text = "", error.message
    text = _one_line(QUERY_EXCERPT.sub("", text))
    if not text:
        return error.cls_name
    return text if qualified.startswith(PLATFORM_MODULE) else f"{error.cls_name}: {text}"


def step_failure_cause(data: StepFailureData) -> str:
    """Why a step failed: a Failure's description (for a retried step, its last attempt's), or the
    error the step raised, never Dagster's wrapper around it."""
    description = data.user_failure_data.description if data.user_failure_data else None
    if description and description.strip():
        return _one_line(description)
    return error_cause(data.error) if data.error else "failed, with no error recorded"


def failure_causes(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """One line per failed step, `step: cause`; for a run that failed outside its steps (its process
    died, it never started), why the run failed. Never empty."""
    steps = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    causes = [
        f"{event.step_key}: {step_failure_cause(event.step_failure_data)}"
        for event in (record.event_log_entry.dagster_event for record in steps)
    ]
    if causes:
        return causes
    runs = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    if not runs:
        return [UNKNOWN_CAUSE]
    event = runs[-1].event_log_entry.dagster_event
    error = getattr(event.event_specific_data, "error", None)
    return [error_cause(error) if error else _one_line(event.message or "") or UNKNOWN_CAUSE]


def _planned_assets(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[str]:
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    ).records
    keys = {record.event_log_entry.dagster_event.asset_key for record in records}
    keys |= set(run.asset_selection or ())
    return sorted(key.to_user_string() for key in keys if key is not None)


def _failed_at(instance: dg.DagsterInstance, run: dg.DagsterRun) -> datetime:
    record = instance.get_run_record_by_id(run.run_id)
    end_time = record.end_time if record else None
    return datetime.fromtimestamp(end_time, UTC) if end_time else datetime.now(UTC)


def _partitions(run: dg.DagsterRun) -> str | None:
    tags = run.tags
    if ASSET_PARTITION_RANGE_START_TAG in tags:
        return f"{tags[ASSET_PARTITION_RANGE_START_TAG]}...{tags[ASSET_PARTITION_RANGE_END_TAG]}"
    return tags.get("dagster/partition")


@dataclass(frozen=True)
class RunFailure:
    """A failed run as audit.run_failures and the webhook get it."""

    run_id: str
    job_name: str
    assets: list[str]
    partitions: str | None
    causes: list[str]
    failed_at: datetime

    @property
    def error(self) -> str:
        return "; ".join(self.causes)

    def payload(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job_name": self.job_name,
            "assets": self.assets,
            "partitions": self.partitions,
            "error": self.error,
            "failed_at": self.failed_at.isoformat(),
        }


def run_failure(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunFailure:
    return RunFailure(
        run_id=run.run_id,
        job_name=run.job_name,
        assets=_planned_assets(instance, run),
        partitions=_partitions(run),
        causes=failure_causes(instance, run.run_id),
        failed_at=_failed_at(instance, run),
    )


def record_run_failure(
    failure: RunFailure, warehouse: Warehouse, failure_webhook: FailureWebhook
) -> str | None:
    """Write the failure to audit.run_failures and post it, once per run: the webhook's outcome,
    or None when the run is recorded already (the sensor and `materialize` may both see it)."""
    with warehouse_errors(), warehouse.connect() as conn:
        ensure_tables(conn, AUDIT, DDL)
        with conn.transaction():
            # Held until commit: a second recorder of the run waits here, then finds the row.
            conn.execute(
                "select pg_advisory_xact_lock(hashtext(%s))",
                (f"fakestore.run_failures.{failure.run_id}",),
            )
            if conn.execute(
                sql.SQL("select 1 from {} where run_id = %s").format(FAILURES), (failure.run_id,)
            ).fetchone():
                return None
            status = failure_webhook.post(failure.payload())
            conn.execute(
                sql.SQL(
                    "insert into {}"
                    " (run_id, job_name, assets, partitions, error, failed_at, webhook_status)"
                    " values (%s, %s, %s, %s, %s, %s, %s)"
                ).format(FAILURES),
                (
                    failure.run_id,
                    failure.job_name,
                    failure.assets,
                    failure.partitions,
                    failure.error,
                    failure.failed_at,
                    status,
                ),
            )
    return status


@dg.run_failure_sensor(
    name="record_run_failures",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records each failed run in audit.run_failures and posts it to FAKESTORE_FAILURE_WEBHOOK_URL.",
)
def record_run_failures(
    context: dg.RunFailureSensorContext, warehouse: Warehouse, failure_webhook: FailureWebhook
) -> None:
    run = context.dagster_run
    status = record_run_failure(run_failure(context.instance, run), warehouse, failure_webhook)
    outcome = f"recorded; webhook: {status}" if status else "was recorded already"
    context.log.info(f"run {run.run_id} ({run.job_name}) {outcome}")
