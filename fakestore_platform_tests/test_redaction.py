"""No credential in a URL the platform prints or stores: redact_url on each shape one comes in, and
an API URL with user:password@ through a real load, its metadata and the resource Dagster shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dagster as dg
import pytest

from fakestore_platform.cli import printed_run_id
from fakestore_platform.redaction import redact_url
from fakestore_platform.warehouse.connection import connect
from fakestore_platform_tests.scratch_warehouse import REPO, fresh_database, materialize

SECRET = "TopSecretPW-1"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:s3cret@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        # a password with a / in it, which a URL parser reads as the start of the path
        ("postgresql://admin:pa/ss@h:5432/db", "postgresql://admin:***@h:5432/db"),
        (
            "postgresql://u@h/db?sslmode=require&password=s3cret",
            "postgresql://u@h/db?sslmode=require&password=***",
        ),
        ("host=h password='s3 cret' dbname=db", "host=h password=*** dbname=db"),
        ("admin:s3cret@h/db", "admin:***@h/db"),  # no scheme at all
        (
            "http://reader:s3cret@127.0.0.1:8765/carts?startdate=2020-01-01",
            "http://***@127.0.0.1:8765/carts?startdate=2020-01-01",
        ),
        ("https://s3cret@api.example/products", "https://***@api.example/products"),
        (
            "https://api.example/products?api_key=s3cret&limit=5&access_token=s3cret",
            "https://api.example/products?api_key=***&limit=5&access_token=***",
        ),
        (
            "https://fakestoreapi.com/carts?startdate=2020-01-01&enddate=2020-01-15",
            "https://fakestoreapi.com/carts?startdate=2020-01-01&enddate=2020-01-15",
        ),
    ],
)
def test_credentials_are_masked_and_the_rest_of_the_url_kept(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(shown) == shown  # what is already redacted stays as it is


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T000/B000/s3cret", "https://hooks.slack.com/***"),
        ("https://discord.com/api/webhooks/123/s3cret?wait=true", "https://discord.com/***"),
        ("https://u:s3cret@hooks.example:8443/x", "https://***@hooks.example:8443/***"),
        ("hooks.slack.com/services/T000/B000/s3cret", "hooks.slack.com/***"),
        ("https://hooks.example", "https://hooks.example"),
    ],
)
def test_a_webhook_url_shows_only_its_scheme_and_host(url: str, shown: str) -> None:
    assert redact_url(url, secret_path=True) == shown


SHOWN_RESOURCE_CONFIG = """
import json
from dagster._core.remote_representation.external_data import RepositorySnap
from fakestore_platform.definitions import build_definitions
from fakestore_platform.settings import load_settings

snap = RepositorySnap.from_def(build_definitions(load_settings()).get_repository_def())
print(json.dumps({
    resource.name: {
        key: value if isinstance(value, str) else {"env": value.name}
        for key, value in resource.configured_values.items()
    }
    for resource in snap.resources
}))
"""


def test_api_credentials_never_reach_bronze_its_metadata_or_the_resource_config(
    platform_env, databases, local_api: str
) -> None:
    api_url = local_api.replace("http://", f"http://reader:{SECRET}@")
    warehouse = fresh_database(databases, "redaction_test")
    run_id = printed_run_id(materialize(warehouse, api_url, "--select", 'key:"bronze/products"'))
    shown_url = local_api.replace("http://", "http://***@") + "/products"

    with connect(warehouse) as conn:
        lineage = conn.execute("select distinct source_url from bronze.products").fetchall()
        stored = conn.execute(
            "select count(*) from audit.ingestion_runs as r where strpos(r::text, %s) > 0",
            (SECRET,),
        ).fetchone()
    assert lineage == [(shown_url,)]
    assert stored == (0,)
    with dg.DagsterInstance.get() as instance:
        (materialization,) = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        events = instance.all_logs(run_id)
    metadata = materialization.event_log_entry.asset_materialization.metadata
    assert metadata["source_urls"].value == [shown_url]
    assert not [event for event in events if SECRET in str(event)]

    shown = subprocess.run(
        [sys.executable, "-c", SHOWN_RESOURCE_CONFIG],
        cwd=REPO,
        env={**os.environ, "FAKESTORE_API_URL": api_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert json.loads(shown)["fakestore_api"]["base_url"] == {"env": "FAKESTORE_API_URL"}
    assert SECRET not in shown
