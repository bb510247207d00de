"""The run-failure sensor over a real failed run: the failure lands in audit.run_failures and, when
a webhook is configured, in a real HTTP server on loopback."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from fakestore_platform.api.resource import FakeStoreApi
from fakestore_platform.automation.run_failures import FailureWebhook, record_run_failures
from fakestore_platform.bronze.assets import bronze_products
from fakestore_platform.warehouse.connection import connect
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


def _failed_run(instance: dg.DagsterInstance, api_url: str, warehouse: Warehouse) -> str:
    """Materialize bronze/products from a path the API refuses (HTTP 404: not retried)."""
    result = dg.materialize(
        [bronze_products],
        instance=instance,
        resources={
            "fakestore_api": FakeStoreApi(base_url=f"{api_url}/gone"),
            "warehouse": warehouse,
        },
        raise_on_error=False,
    )
    assert not result.success
    return result.run_id


def _sense(instance: dg.DagsterInstance, run_id: str, resources: dict) -> None:
    (record,) = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records
    context = dg.build_run_status_sensor_context(
        sensor_name=record_run_failures.name,
        dagster_event=record.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        resources=resources,
    ).for_run_failure()
    record_run_failures(context)


def _recorded(warehouse_url: str, run_id: str) -> tuple:
    with connect(warehouse_url) as conn:
        return conn.execute(
            "select job_name, assets, error, webhook_status from audit.run_failures where run_id = %s",
            (run_id,),
        ).fetchone()


def test_a_failed_run_is_recorded_and_posted_to_the_webhook(
    platform_env, databases, local_api, webhook
) -> None:
    warehouse = Warehouse(url=databases.warehouse, home="unused")
    with dg.instance_for_test() as instance:
        run_id = _failed_run(instance, local_api, warehouse)
        _sense(
            instance,
            run_id,
            {"warehouse": warehouse, "failure_webhook": FailureWebhook(url=webhook.url)},
        )
    job_name, assets, error, status = _recorded(databases.warehouse, run_id)
    assert job_name == "__ephemeral_asset_job__" and assets == ["bronze/products"]
    assert "HTTP 404 (not retried)" in error and "bronze__products" in error
    assert status == "delivered (HTTP 200)"
    (posted,) = webhook.received
    assert posted["run_id"] == run_id and posted["assets"] == ["bronze/products"]
    assert posted["error"] == error


@pytest.mark.parametrize("webhook", [500], indirect=True)
def test_a_webhook_that_fails_is_noted_and_the_failure_still_recorded(
    platform_env, databases, local_api, webhook
) -> None:
    warehouse = Warehouse(url=databases.warehouse, home="unused")
    with dg.instance_for_test() as instance:
        run_id = _failed_run(instance, local_api, warehouse)
        _sense(
            instance,
            run_id,
            {"warehouse": warehouse, "failure_webhook": FailureWebhook(url=webhook.url)},
        )
        # without a webhook the failure is recorded all the same; a second sensing replaces it
        _sense(instance, run_id, {"warehouse": warehouse, "failure_webhook": FailureWebhook()})
    assert len(webhook.received) == 1
    _, _, error, status = _recorded(databases.warehouse, run_id)
    assert status == "not configured" and "HTTP 404" in error
