"""Every failed run lands in audit.run_failures with its cause and, when a webhook is configured, in
a real HTTP server on loopback: a run the daemon launched through the run-failure sensor, a run of
`fakestore-platform materialize` or `demo` (which no daemon sees) by materialize itself; once
either way."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.defs.automation.run_failures import FailureWebhook, record_run_failures
from fakestore_platform.defs.ingest.assets import bronze_assets
from fakestore_platform.defs.ingest.tables import ensure_bronze_tables
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.resource import Warehouse
from fakestore_platform_tests.scratch_warehouse import (
    cli,
    failed_run_id,
    fresh_database,
    one_error_line,
)


class Webhook:
    """A loopback HTTP server that answers `status` and keeps the JSON bodies posted to it."""

    def __init__(self, status: int) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/failures"


@pytest.fixture
def webhook(request) -> Iterator[Webhook]:
    hook = Webhook(getattr(request, "param", 200))
    thread = threading.Thread(target=hook.server.serve_forever, daemon=True)
    thread.start()
    yield hook
    hook.server.shutdown()


def sense(
    instance: dg.DagsterInstance, run_id: str, warehouse: Warehouse, webhook_url: str | None
) -> None:
    """The run-failure sensor evaluated on the run's failure, as the daemon would."""
    (record,) = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records
    context = dg.build_run_status_sensor_context(
        sensor_name=record_run_failures.name,
        dagster_event=record.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        resources={"warehouse": warehouse, "failure_webhook": FailureWebhook(url=webhook_url)},
    ).for_run_failure()
    record_run_failures(context)


def recorded(warehouse: Warehouse, run_id: str) -> list[tuple]:
    with warehouse.connect() as conn:
        return conn.execute(
            "select job_name, assets, error, webhook_status from audit.run_failures where run_id = %s",
            (run_id,),
        ).fetchall()


API_PASSWORD = "api-password"


class FailedRun:
    """A real failed run of bronze/products (the API refuses its path: HTTP 404, not retried) in a
    real instance, which the daemon's sensor records. The API's URL carries credentials, which no
    recorded or posted error may show."""

    def __init__(self, instance: dg.DagsterInstance, api_url: str, warehouse_url: str) -> None:
        self.instance, self.warehouse = instance, Warehouse(url=warehouse_url, home="unused")
        result = dg.materialize(
            bronze_assets(load_settings({}))[:1],  # bronze/products
            instance=instance,
            resources={
                "fakestore_api": FakeStoreApi.from_settings(
                    load_settings({}),
                    base_url=api_url.replace("http://", f"http://reader:{API_PASSWORD}@") + "/gone",
                ),
                "warehouse": self.warehouse,
            },
            raise_on_error=False,
        )
        assert not result.success
        self.run_id = result.run_id

    def sense(self, webhook_url: str | None) -> None:
        sense(self.instance, self.run_id, self.warehouse, webhook_url)

    def recorded(self) -> tuple:
        (row,) = recorded(self.warehouse, self.run_id)
        return row


@pytest.fixture
def failed_run(platform_env, databases, local_api) -> Iterator[FailedRun]:
    with dg.instance_for_test() as instance:
        yield FailedRun(instance, local_api, fresh_database(databases, "run_failures_test"))


def test_a_failed_run_is_recorded_and_posted_to_the_webhook(failed_run, webhook) -> None:
    failed_run.sense(webhook.url)
    job_name, assets, error, status = failed_run.recorded()
    assert job_name == "__ephemeral_asset_job__" and assets == ["bronze/products"]
    assert error.startswith("bronze__products: GET ") and "HTTP 404 (not retried)" in error
    assert "http://***@127.0.0.1:" in error and API_PASSWORD not in error
    assert status == "delivered (HTTP 200)"
    (posted,) = webhook.received
    assert posted["run_id"] == failed_run.run_id and posted["assets"] == ["bronze/products"]
    assert posted["error"] == error


@pytest.mark.parametrize("webhook", [500], indirect=True)
def test_a_webhook_that_fails_is_noted_and_the_failure_still_recorded(failed_run, webhook) -> None:
    failed_run.sense(webhook.url)
    assert failed_run.recorded()[3] == "failed: HTTP 500"
    assert "HTTP 404" in failed_run.recorded()[2]


def test_a_webhook_that_cannot_be_reached_is_noted_without_its_token(failed_run) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    failed_run.sense(f"http://127.0.0.1:{port}/services/T0000/B0000/webhook-token")
    status = failed_run.recorded()[3]
    assert status.startswith("failed: ConnectError")
    assert "webhook-token" not in status


def test_a_run_sensed_twice_is_recorded_and_posted_once(failed_run, webhook) -> None:
    failed_run.sense(webhook.url)
    first = failed_run.recorded()
    failed_run.sense(webhook.url)
    assert failed_run.recorded() == first
    assert len(webhook.received) == 1


@pytest.fixture
def scratch_warehouse(platform_env, databases) -> Warehouse:
    return Warehouse(url=fresh_database(databases, "run_failures_test"), home="unused")


def materialize_failing(warehouse: Warehouse, api_url: str, **env: str) -> str:
    """`fakestore-platform materialize` of bronze/products, failing: its one error line."""
    result = cli(
        "materialize",
        "--select",
        'key:"bronze/products"',
        env={"FAKESTORE_WAREHOUSE_URL": warehouse.url, "FAKESTORE_API_URL": api_url, **env},
    )
    return one_error_line(result)


def test_a_run_of_materialize_is_recorded_and_posted_with_the_cause_it_printed(
    scratch_warehouse, local_api, webhook
) -> None:
    line = materialize_failing(
        scratch_warehouse, f"{local_api}/gone", FAKESTORE_FAILURE_WEBHOOK_URL=webhook.url
    )
    run_id = failed_run_id(line)
    ((job_name, assets, error, status),) = recorded(scratch_warehouse, run_id)
    assert job_name == "materialize_everything" and assets == ["bronze/products"]
    assert f"GET {local_api}/gone/products was refused with HTTP 404 (not retried)" in error
    assert line == f"fakestore-platform: error: run {run_id} failed: {error}"
    assert status == "delivered (HTTP 200)"
    (posted,) = webhook.received
    assert (posted["run_id"], posted["error"]) == (run_id, error)


def test_a_failed_run_of_the_demo_is_recorded_and_posted_too(
    scratch_warehouse, local_api, webhook
) -> None:
    with scratch_warehouse.connect() as conn:
        ensure_bronze_tables(conn)  # then without a column the carts load writes
        conn.execute("alter table bronze.carts rename column source_url to source_url_renamed")
    line = one_error_line(
        cli(
            "demo",
            env={
                "FAKESTORE_WAREHOUSE_URL": scratch_warehouse.url,
                "FAKESTORE_API_URL": local_api,
                "FAKESTORE_FAILURE_WEBHOOK_URL": webhook.url,
            },
        )
    )
    run_id = failed_run_id(line)
    ((job_name, _, error, status),) = recorded(scratch_warehouse, run_id)
    assert job_name == "materialize_everything"
    assert error.startswith("bronze__carts: the warehouse refused a statement (UndefinedColumn)")
    assert line.endswith(f"failed: {error}") and status == "delivered (HTTP 200)"
    assert [posted["run_id"] for posted in webhook.received] == [run_id]


def test_a_run_of_materialize_that_a_daemon_beside_it_senses_too_is_recorded_once(
    scratch_warehouse, local_api, webhook
) -> None:
    run_id = failed_run_id(
        materialize_failing(
            scratch_warehouse, f"{local_api}/gone", FAKESTORE_FAILURE_WEBHOOK_URL=webhook.url
        )
    )
    before = recorded(scratch_warehouse, run_id)
    with dg.DagsterInstance.get() as instance:
        sense(instance, run_id, scratch_warehouse, webhook.url)
    assert recorded(scratch_warehouse, run_id) == before
    assert len(before) == 1 and len(webhook.received) == 1


def test_a_retried_step_is_recorded_with_its_cause_not_dagsters_retry_wrapper(
    scratch_warehouse,
) -> None:
    line = materialize_failing(
        scratch_warehouse,
        "http://127.0.0.1:1",  # nothing listens: the client gives up, and Dagster retries
        FAKESTORE_API_MAX_ATTEMPTS="1",
        FAKESTORE_RUN_RETRIES="1",
        FAKESTORE_RUN_RETRY_DELAY="0",
    )
    run_id = failed_run_id(line)
    cause = "bronze__products: GET http://127.0.0.1:1/products failed after 1 attempt: ConnectError"
    ((_, _, error, _),) = recorded(scratch_warehouse, run_id)
    assert error.startswith(cause) and cause in line
    with scratch_warehouse.connect() as conn:
        attempts = conn.execute(
            "select attempt from audit.ingestion_runs where run_id = %s order by attempt", (run_id,)
        ).fetchall()
        # The daemon's path: the sensor records the same run, retried, with the same cause.
        conn.execute("delete from audit.run_failures where run_id = %s", (run_id,))
    assert attempts == [(1,), (2,)]
    with dg.DagsterInstance.get() as instance:
        sense(instance, run_id, scratch_warehouse, None)
    ((_, _, sensed, _),) = recorded(scratch_warehouse, run_id)
    assert sensed == error and "max_retries" not in sensed
