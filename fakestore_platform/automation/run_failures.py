"""Every failed run, recorded in audit.run_failures and posted to a webhook when one is configured."""

from datetime import UTC, datetime
from typing import Any

import dagster as dg
import httpx
import psycopg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from pydantic import Field

from fakestore_platform.settings import Settings
from fakestore_platform.warehouse.ddl import ensure_tables, relations_created_by
from fakestore_platform.warehouse.resource import Warehouse

DDL = """
create schema if not exists audit;

create table if not exists audit.run_failures (
    run_id text primary key,
    job_name text not null,
    assets text[] not null,
    partitions text,
    error text not null,
    failed_at timestamptz not null,
    webhook_status text not null
);
comment on column audit.run_failures.assets is 'The assets the run planned to materialize.';
comment on column audit.run_failures.webhook_status is 'not configured, delivered (HTTP status), or why delivery failed.';
"""
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


def _error(context: dg.RunFailureSensorContext) -> str:
    """The run's failure and each failed step's own message, one line each."""
    lines = [context.failure_event.message or "the run failed"]
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        message = error.message.strip() if error else "failed"
        lines.append(f"{event.step_key}: {' '.join(message.split())}")
    return "\n".join(lines)


def _partitions(run: dg.DagsterRun) -> str | None:
    tags = run.tags
    if ASSET_PARTITION_RANGE_START_TAG in tags:
        return f"{tags[ASSET_PARTITION_RANGE_START_TAG]}...{tags[ASSET_PARTITION_RANGE_END_TAG]}"
    return tags.get("dagster/partition")


def record_failure(conn: psycopg.Connection, failure: dict[str, Any], webhook_status: str) -> None:
    ensure_tables(conn, relations_created_by("audit", DDL), DDL)
    conn.execute(
        "insert into audit.run_failures"
        " (run_id, job_name, assets, partitions, error, failed_at, webhook_status)"
        " values (%(run_id)s, %(job_name)s, %(assets)s, %(partitions)s, %(error)s, %(failed_at)s, %(webhook_status)s)"
        " on conflict (run_id) do update set error = excluded.error, webhook_status = excluded.webhook_status",
        {**failure, "webhook_status": webhook_status},
    )


@dg.run_failure_sensor(
    name="record_run_failures",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records each failed run in audit.run_failures and posts it to FAKESTORE_FAILURE_WEBHOOK_URL.",
)
def record_run_failures(
    context: dg.RunFailureSensorContext, warehouse: Warehouse, failure_webhook: FailureWebhook
) -> None:
    run = context.dagster_run
    failure = {
        "run_id": run.run_id,
        "job_name": run.job_name,
        "assets": _planned_assets(context.instance, run),
        "partitions": _partitions(run),
        "error": _error(context),
        "failed_at": _failed_at(context.instance, run),
    }
    status = failure_webhook.post({**failure, "failed_at": failure["failed_at"].isoformat()})
    with warehouse.connect() as conn:
        record_failure(conn, failure, status)
    context.log.info(f"run {run.run_id} ({run.job_name}) recorded; webhook: {status}")
