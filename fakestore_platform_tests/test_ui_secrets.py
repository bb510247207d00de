"""The Dagster UI's resource pages name the environment variables that hold secrets, never a secret."""

from __future__ import annotations

import httpx

from fakestore_platform_tests.dev_server import dev_server

RESOURCES = """
{ repositoryOrError(repositorySelector: {repositoryLocationName: "fakestore_platform",
                                         repositoryName: "__repository__"}) {
    ... on Repository { allTopLevelResourceDetails {
        name configuredValues { key value type } } } } }
"""


def test_the_resource_pages_show_env_var_names_and_no_secret(platform_env, local_api, tmp_path):
    host_and_port = local_api.removeprefix("http://")
    secrets = {
        "FAKESTORE_API_URL": f"http://api-user:Api-Secret-1@{host_and_port}",
        "FAKESTORE_FAILURE_WEBHOOK_URL": "http://127.0.0.1:9/hooks/Webhook-Token-2",
        "FAKESTORE_READER_PASSWORD": "Reader-Secret-3",
    }
    with dev_server(secrets, tmp_path / "dev.log") as url:
        answer = httpx.post(f"{url}/graphql", json={"query": RESOURCES}, timeout=60).json()
    resources = answer["data"]["repositoryOrError"]["allTopLevelResourceDetails"]
    shown = {
        (resource["name"], value["key"]): (value["type"], value["value"])
        for resource in resources
        for value in resource["configuredValues"]
    }
    assert shown[("fakestore_api", "base_url")] == ("ENV_VAR", "FAKESTORE_API_URL")
    assert shown[("failure_webhook", "url")] == ("ENV_VAR", "FAKESTORE_FAILURE_WEBHOOK_URL")
    assert shown[("warehouse", "reader_password")] == ("ENV_VAR", "FAKESTORE_READER_PASSWORD")
    for secret in ("Api-Secret-1", "Webhook-Token-2", "Reader-Secret-3"):
        assert secret not in str(answer)
