"""The Kubernetes deployment, checked offline: the Helm values load as the instance Dagster's chart
would render from them, through Dagster's own config schema (dagster-k8s's run launcher included);
they carry dagster.yaml's queue, pool, monitoring and retries; their top-level keys are the pinned
chart's; and every raw manifest is valid against the Kubernetes schemas (kubernetes-validate)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config_schema
from dagster_k8s import K8sRunLauncher

from fakestore_platform.settings import Settings, variable_name
from fakestore_platform.warehouse.connection import connect
from fakestore_platform.warehouse.roles import READER_ROLE
from fakestore_platform_tests.scratch_warehouse import fresh_database
from fakestore_platform_tests.test_deployment_files import image_command, parse_click

REPO = Path(__file__).resolve().parents[1]
VALUES = REPO / "deploy/helm/values.yaml"
CHART_KEYS = REPO / "deploy/helm/chart-keys.txt"
MANIFESTS = sorted((REPO / "deploy/k8s").glob("*.yaml"))
# The oldest Kubernetes the manifests promise to suit (docs/DEPLOYING.md).
KUBERNETES_VERSION = "1.30.0"
CLIENT_LABEL = "fakestore-platform/warehouse-client"


def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES.read_text())


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifests(kind: str) -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in documents(path) if doc["kind"] == kind]


def snake(key: str) -> str:
    """The chart's values are camelCase; dagster.yaml's keys are snake_case: runK8sConfig is run_k8s_config."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def snake_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    return {snake(key): value for key, value in mapping.items()}


def k8s_run_launcher_config(chart_values: dict[str, Any]) -> dict[str, Any]:
    """The K8sRunLauncher's config as the chart renders it into dagster.yaml: what the chart adds
    (namespace, instance ConfigMap, service account, storage Secret), then runLauncher's values."""
    launcher = chart_values["runLauncher"]["config"]["k8sRunLauncher"]
    config: dict[str, Any] = {
        "job_namespace": "fakestore",
        "instance_config_map": "dagster-instance",
        "dagster_home": chart_values["global"]["dagsterHome"],
        "service_account_name": chart_values["global"]["serviceAccountName"],
        "postgres_password_secret": chart_values["global"]["postgresqlSecretName"],
    }
    for key, value in launcher.items():
        if key in {"envSecrets", "envConfigMaps"}:
            value = [source["name"] for source in value]
        elif key == "runK8sConfig":
            value = snake_keys(value)
        config[snake(key)] = value
    return config


def chart_instance(chart_values: dict[str, Any]) -> dict[str, Any]:
    """The parts of dagster.yaml the chart renders from these values."""
    daemon = chart_values["dagsterDaemon"]
    postgres = chart_values["postgresql"]
    concurrency = chart_values["concurrency"]
    postgres_db = {
        "username": postgres["postgresqlUsername"],
        "password": {"env": "DAGSTER_PG_PASSWORD"},  # the Secret's, set by the chart
        "hostname": postgres["postgresqlHost"],
        "db_name": postgres["postgresqlDatabase"],
        "port": postgres["service"]["port"],
        "params": postgres["postgresqlParams"],
    }
    return {
        "storage": {"postgres": {"postgres_db": postgres_db}},
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": k8s_run_launcher_config(chart_values),
        },
        "run_coordinator": {
            "module": "dagster._core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": snake_keys(daemon["runCoordinator"]["config"]["queuedRunCoordinator"]),
        },
        "concurrency": {
            "pools": snake_keys(concurrency["pools"]),
            "runs": snake_keys(concurrency["runs"]),
        },
        "run_monitoring": snake_keys(daemon["runMonitoring"]),
        "run_retries": snake_keys(daemon["runRetries"]),
        "telemetry": chart_values["telemetry"],
        **chart_values["additionalInstanceConfig"],
    }


@pytest.fixture(autouse=True)
def storage_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the chart sets in every pod from global.postgresqlSecretName's Secret."""
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "made-up-for-the-test")


def config_errors(schema: Any, config: dict[str, Any]) -> list[str]:
    result = process_config(schema, config)
    return [] if result.success else [error.message for error in result.errors]


def chart_keys() -> tuple[str, set[str]]:
    lines = [line.strip() for line in CHART_KEYS.read_text().splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    (version,) = [line.split(":", 1)[1].strip() for line in entries if ":" in line]
    return version, {line for line in entries if ":" not in line}


def unknown_top_level_keys(chart_values: dict[str, Any]) -> set[str]:
    return set(chart_values) - chart_keys()[1]


# --- The Helm values -------------------------------------------------------------------------------


def test_dagster_k8s_is_the_k8s_extra() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert [r for r in extras["k8s"] if r.startswith("dagster-k8s")]
    assert "fakestore-platform[k8s]" in extras["dev"]
    assert not [r for r in project["dependencies"] if r.startswith("dagster-k8s")]


def test_the_run_launcher_config_loads_through_dagster_k8s_schema() -> None:
    config = k8s_run_launcher_config(values())
    assert config_errors(K8sRunLauncher.config_type(), config) == []
    assert config["resources"]["requests"]["memory"] and config["resources"]["limits"]["memory"]


@pytest.mark.parametrize(
    ("section", "bad_key"),
    [
        ("runLauncher", "jobNamespaces"),
        ("runK8sConfig", "podSpec"),
        ("runMonitoring", "startTimeout"),
    ],
)
def test_a_bad_key_in_the_values_fails_dagsters_schema(section: str, bad_key: str) -> None:
    chart_values = copy.deepcopy(values())
    launcher = chart_values["runLauncher"]["config"]["k8sRunLauncher"]
    target = {
        "runLauncher": launcher,
        "runK8sConfig": launcher["runK8sConfig"],
        "runMonitoring": chart_values["dagsterDaemon"]["runMonitoring"],
    }[section]
    target[bad_key] = 1
    instance = chart_instance(chart_values)
    errors = config_errors(dagster_instance_config_schema(), instance) + config_errors(
        K8sRunLauncher.config_type(), instance["run_launcher"]["config"]
    )
    assert any(snake(bad_key) in error for error in errors), errors


def test_the_instance_the_chart_renders_loads_through_dagsters_schema() -> None:
    assert config_errors(dagster_instance_config_schema(), chart_instance(values())) == []


def test_the_values_carry_dagster_yamls_queue_pool_monitoring_and_retries() -> None:
    local = yaml.safe_load((REPO / "dagster.yaml").read_text())
    instance = chart_instance(values())
    for section in ("concurrency", "run_monitoring", "run_retries", "freshness", "telemetry"):
        assert instance[section] == local[section], section
    assert instance["run_coordinator"]["class"] == local["run_coordinator"]["class"]
    # The queue's limit is concurrency.runs: the coordinator may not set a second one.
    assert instance["run_coordinator"]["config"] == {}


def test_the_values_top_level_keys_are_the_pinned_charts() -> None:
    version, keys = chart_keys()
    assert re.fullmatch(r"1\.13\.\d+", version)  # the chart's version is Dagster's: 1.13
    assert unknown_top_level_keys(values()) == set()
    assert unknown_top_level_keys({**values(), "dagsterWebServer": {}}) == {"dagsterWebServer"}
    assert {"dagster-user-deployments", "runLauncher", "dagsterDaemon", "concurrency"} <= keys


def test_the_values_hold_no_credential_and_name_only_templated_secrets() -> None:
    text = VALUES.read_text()
    assert not re.search(r"(?i)password\s*:", text)
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", text)
    chart_values = values()
    secrets = {doc["metadata"]["name"]: doc for doc in manifests("Secret")}
    (deployment,) = chart_values["dagster-user-deployments"]["deployments"]
    named = (
        deployment["envSecrets"]
        + chart_values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"]
    )
    assert {source["name"] for source in named} <= set(secrets)
    assert chart_values["generatePostgresqlPasswordSecret"] is False
    storage = secrets[chart_values["global"]["postgresqlSecretName"]]
    assert set(storage["stringData"]) == {"postgresql-password"}
    assert chart_values["postgresql"]["enabled"] is False  # external PostgreSQL


def test_the_user_deployment_serves_the_code_location_of_the_image() -> None:
    (deployment,) = values()["dagster-user-deployments"]["deployments"]
    # The chart runs `dagster code-server start -h 0.0.0.0 -p <port> <codeServerArgs>`.
    params = parse_click(
        ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", str(deployment["port"])]
        + deployment["codeServerArgs"]
    )
    image = parse_click(image_command("runtime"))
    for name in ("module_name", "location_name", "port"):
        assert params[name] == image[name], name
    assert deployment["env"][variable_name("executor")] in {"in_process", "k8s"}
    assert deployment["podSecurityContext"]["runAsNonRoot"] is True


def test_every_pod_that_reaches_the_warehouse_carries_the_networkpolicys_label() -> None:
    (policy,) = manifests("NetworkPolicy")
    allowed = [peer["podSelector"]["matchLabels"] for peer in policy["spec"]["ingress"][0]["from"]]
    assert allowed == [{CLIENT_LABEL: "true"}]
    chart_values = values()
    (deployment,) = chart_values["dagster-user-deployments"]["deployments"]
    labelled = [
        deployment["labels"],
        chart_values["runLauncher"]["config"]["k8sRunLauncher"]["labels"],
        chart_values["dagsterDaemon"]["labels"],
        chart_values["dagsterWebserver"]["labels"],
        *(job["spec"]["template"]["metadata"]["labels"] for job in manifests("Job")),
    ]
    assert all(labels.get(CLIENT_LABEL) == "true" for labels in labelled)
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert [port["port"] for port in policy["spec"]["ingress"][0]["ports"]] == [5432]


# --- The raw manifests ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_each_manifest_is_valid_kubernetes(path: Path) -> None:
    for document in documents(path):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_validation_refuses_an_unknown_field() -> None:
    (job,) = manifests("Job")
    job["spec"]["template"]["spec"]["restartPolicyy"] = "Never"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)


def test_the_secrets_template_holds_no_value_and_only_platform_settings() -> None:
    settings = {variable_name(name) for name in Settings.model_fields}
    for secret in manifests("Secret"):
        assert "data" not in secret
        assert set(secret["stringData"].values()) == {""}, secret["metadata"]["name"]
    (platform,) = [s for s in manifests("Secret") if s["metadata"]["name"] == "fakestore-platform"]
    assert set(platform["stringData"]) <= settings


def test_the_reader_role_job_creates_the_role(platform_env, databases) -> None:
    (job,) = manifests("Job")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"][:2] == ["python", "-c"]
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    url = fresh_database(databases, "reader_role_job")
    result = subprocess.run(
        [sys.executable, "-c", container["command"][2]],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "FAKESTORE_WAREHOUSE_URL": url,
            "FAKESTORE_READER_PASSWORD": "made-up-for-the-test",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with connect(url) as conn:
        (can_login,) = conn.execute(
            "select rolcanlogin from pg_roles where rolname = %s", (READER_ROLE,)
        ).fetchone()
    assert can_login
