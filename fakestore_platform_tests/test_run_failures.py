"""The run-failure sensor over a real failed run: the failure lands in audit.run_failures and, when
a webhook is configured, in a real HTTP server on loopback."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.automation.run_failures import FailureWebhook, record_run_failures
from fakestore_platform.bronze.assets import bronze_products
from fakestore_platform.warehouse.resource import Warehouse


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


API_PASSWORD = "api-password"


class FailedRun:
    """A real failed run of bronze/products (the API refuses its path: HTTP 404, not retried) in a
    real instance, and the sensor evaluated on it as the daemon would. The API's URL carries
    credentials, which no recorded or posted error may show."""

    def __init__(self, instance: dg.DagsterInstance, api_url: str, warehouse_url: str) -> None:
        self.instance, self.warehouse = instance, Warehouse(url=warehouse_url, home="unused")
        result = dg.materialize(
            [bronze_products],
            instance=instance,
            resources={
                "fakestore_api": FakeStoreApi(
                    base_url=api_url.replace("http://", f"http://reader:{API_PASSWORD}@") + "/gone"
                ),
                "warehouse": self.warehouse,
            },
            raise_on_error=False,
        )
        assert not result.success
        self.run_id = result.run_id

    def sense(self, webhook_url: str | None) -> None:
        (record,) = self.instance.get_records_for_run(
            self.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
        ).records
        context = dg.build_run_status_sensor_context(
            sensor_name=record_run_failures.name,
            dagster_event=record.event_log_entry.dagster_event,
            dagster_instance=self.instance,
            dagster_run=self.instance.get_run_by_id(self.run_id),
            resources={
                "warehouse": self.warehouse,
                "failure_webhook": FailureWebhook(url=webhook_url),
            },
        ).for_run_failure()
        record_run_failures(context)

    def recorded(self) -> tuple:
        with self.warehouse.connect() as conn:
            return conn.execute(
                "select job_name, assets, error, webhook_status from audit.run_failures where run_id = %s",
                (self.run_id,),
            ).fetchone()


@pytest.fixture
def failed_run(platform_env, databases, local_api) -> Iterator[FailedRun]:
    with dg.instance_for_test() as instance:
        yield FailedRun(instance, local_api, databases.warehouse)


def test_a_failed_run_is_recorded_and_posted_to_the_webhook(failed_run, webhook) -> None:
    failed_run.sense(webhook.url)
    job_name, assets, error, status = failed_run.recorded()
    assert job_name == "__ephemeral_asset_job__" and assets == ["bronze/products"]
    assert "HTTP 404 (not retried)" in error and "bronze__products" in error
    assert "http://***@127.0.0.1:" in error and API_PASSWORD not in error
    assert status == "delivered (HTTP 200)"
    (posted,) = webhook.received
    assert posted["run_id"] == failed_run.run_id and posted["assets"] == ["bronze/products"]
    assert posted["error"] == error


@pytest.mark.parametrize("webhook", [500], indirect=True)
def test_a_webhook_that_fails_is_noted_and_the_failure_still_recorded(failed_run, webhook) -> None:
    failed_run.sense(webhook.url)
    assert failed_run.recorded()[3] == "failed: HTTP 500"
    # without a webhook the failure is recorded all the same; sensing it again replaces the row
    failed_run.sense(None)
    assert len(webhook.received) == 1
    _, _, error, status = failed_run.recorded()
    assert status == "not configured" and "HTTP 404" in error


def test_a_webhook_that_cannot_be_reached_is_noted_without_its_token(failed_run) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    failed_run.sense(f"http://127.0.0.1:{port}/services/T0000/B0000/webhook-token")
    status = failed_run.recorded()[3]
    assert status.startswith("failed: ConnectError")
    assert "webhook-token" not in status
