"""The deployment files are valid and agree with the code: no Docker engine runs here to try them."""

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def load(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text())


def test_dagster_yaml_takes_its_storage_url_from_the_environment() -> None:
    config = load("dagster.yaml")
    assert config["storage"]["postgres"]["postgres_url"] == {"env": "FAKESTORE_DAGSTER_STORAGE_URL"}


def test_workspace_loads_the_definitions_module() -> None:
    (location,) = load("workspace.yaml")["load_from"]
    assert location["python_module"]["module_name"] == "fakestore_platform.definitions"


def test_compose_postgres_has_a_healthcheck_a_volume_and_no_literal_password() -> None:
    compose = load("docker-compose.yml")
    postgres = compose["services"]["postgres"]
    assert postgres["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in postgres["healthcheck"]["test"][1]
    assert postgres["volumes"][0].split(":")[0] in compose["volumes"]
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
