"""The deployment files are valid and agree with the code and with each other. No Docker engine runs
here to try them, so these read them as Compose and Docker would and check what `up` would trip on."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import dagster._cli
import dagster._daemon.cli
import dagster_webserver.cli
import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from fakestore_platform.cli import build_parser
from fakestore_platform.defs.serve.refresh import refresh_token_file
from fakestore_platform.instance import DAGSTER_SWITCHES, storage_url
from fakestore_platform.run_workers import WorkerCheckingRunLauncher
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import DatabaseUrls
from fakestore_platform.warehouse.roles import READER_ROLE

REPO = Path(__file__).resolve().parents[1]
PLATFORM_SERVICES = (
    "code-location",
    "dagster-webserver",
    "dagster-daemon",
    "fakestore-api",
    "dashboard",
)
DAGSTER_SERVICES = ("dagster-webserver", "dagster-daemon")
# ${VAR}, ${VAR:-default}, ${VAR:?error}; never $${VAR}, which Compose leaves to the container's shell.
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$\{(\w+)(?:(:[-?])([^}]*))?\}")
CLICK_COMMANDS: dict[str, click.Command] = {
    "dagster": dagster._cli.cli,
    "dagster-daemon": dagster._daemon.cli.cli,
    "dagster-webserver": dagster_webserver.cli.cli,
}
SAMPLE_ENV = {"POSTGRES_USER": "someone", "POSTGRES_PASSWORD": "made-up-for-the-test"}


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / name).read_text())


def services() -> dict[str, dict[str, Any]]:
    return load("docker-compose.yml")["services"]


def environment(service: str) -> dict[str, str | None]:
    return services()[service].get("environment", {})


def interpolate(value: str, env: Mapping[str, str] = SAMPLE_ENV) -> str:
    """What Compose makes of a value with env as .env: it stops on ${VAR:?error} when VAR is empty."""

    def resolve(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        if operator == ":?":
            raise ValueError(f"compose stops: {argument}")
        return argument if operator == ":-" else ""

    return COMPOSE_VARIABLE.sub(resolve, value)


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; comment lines dropped, continuation lines joined."""
    lines = (REPO / "Dockerfile").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    joined = re.sub(r"\\\n", " ", text)
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in joined.splitlines())
        if word
    ]


def dockerfile_env() -> dict[str, str]:
    pairs = [p for kind, args in dockerfile() if kind == "ENV" for p in shlex.split(args)]
    return dict(pair.split("=", 1) for pair in pairs)


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Each build stage's instructions, by the stage's name (FROM ... AS name)."""
    stages: dict[str, list[tuple[str, str]]] = {}
    for kind, args in dockerfile():
        if kind == "FROM":
            name = args.split()[-1]
            stages[name] = []
        stages[name].append((kind, args))
    return stages


def dockerfile_copies(stage: str | None = None) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY from the build context, in one stage or all."""
    copies = []
    for kind, args in dockerfile_stages()[stage] if stage else dockerfile():
        words = shlex.split(args)
        if kind == "COPY" and not any(word.startswith("--from") for word in words):
            paths = [word for word in words if not word.startswith("--")]
            copies.append((paths[:-1], paths[-1]))
    return copies


def image_command(stage: str) -> list[str]:
    (cmd,) = [args for kind, args in dockerfile_stages()[stage] if kind == "CMD"]
    return json.loads(cmd)


def command_of(service: str) -> list[str]:
    return services()[service].get("command") or image_command(
        services()[service]["build"]["target"]
    )


def ignored_by_docker(path: str) -> bool:
    """.dockerignore's rule: the last pattern matching the path, or a folder above it, decides."""
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        if any(fnmatch.fnmatchcase(prefix, glob) for prefix in prefixes):
            ignored = not keep
    return ignored


def parse_click(argv: list[str]) -> dict[str, Any]:
    """The parameters the installed CLI parses from argv, down its subcommands, without running it."""
    name, *args = argv
    command = CLICK_COMMANDS[name]
    while isinstance(command, click.Group):
        name, *args = args
        command = command.get_command(click.Context(command), name)
        assert command is not None, f"{argv}: no command {name!r}"
    return command.make_context(name, args).params


def documented_variables() -> set[str]:
    lines = (REPO / ".env.example").read_text().splitlines()
    return {m.group(1) for line in lines if (m := re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line))}


def platform_variables() -> set[str]:
    """Every FAKESTORE_* variable the platform reads: its settings and its EnvVar resources."""
    names = set(
        re.findall(r'"(FAKESTORE_\w+)"', (REPO / "fakestore_platform/settings.py").read_text())
    )
    for source in (REPO / "fakestore_platform").rglob("*.py"):
        names |= set(re.findall(r'EnvVar\("(FAKESTORE_\w+)"\)', source.read_text()))
    return names


def workspace_server() -> dict[str, Any]:
    (location,) = load("deploy/workspace.yaml")["load_from"]
    return location["grpc_server"]


# --- dagster.yaml and the workspaces -----------------------------------------------------------


def test_dagster_yaml_keeps_its_storage_on_the_platforms_postgres() -> None:
    config = load("dagster.yaml")
    assert config["storage"]["custom"] == {
        "module": "fakestore_platform.instance",
        "class": "PlatformStorage",
    }


def test_without_a_storage_url_the_instance_finds_the_platforms_postgres(
    settings, databases: DatabaseUrls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `dg` in a new shell gets: only DAGSTER_HOME and FAKESTORE_HOME, from the .env."""
    shutil.copyfile(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    for name in ("FAKESTORE_DAGSTER_STORAGE_URL", "FAKESTORE_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FAKESTORE_HOME", str(settings.home))
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert instance.run_storage.postgres_url == storage_url(databases.dagster)


@pytest.fixture
def repo_instance(
    databases: DatabaseUrls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DagsterInstance]:
    """The repo's dagster.yaml, as the image copies it into DAGSTER_HOME, on the session's server."""
    shutil.copyfile(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("FAKESTORE_DAGSTER_STORAGE_URL", storage_url(databases.dagster))
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        yield instance


def test_each_storage_keeps_its_connection_between_queries(repo_instance: DagsterInstance) -> None:
    """dagster-postgres opens a connection per query outside the webserver; the platform's storage
    keeps one, so a run's events are not each a new server process."""
    connections = {
        "runs": repo_instance.run_storage.connect,
        "events": repo_instance.event_log_storage.run_connection,
        "schedules": repo_instance.schedule_storage.connect,
    }
    for storage, connection in connections.items():
        backends = set()
        for _ in range(3):
            with connection() as conn:
                backends.add(conn.exec_driver_sql("select pg_backend_pid()").scalar())
        assert len(backends) == 1, storage


def test_the_event_log_asks_the_server_once_whether_a_table_exists(
    repo_instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = repo_instance.event_log_storage
    assert storage.has_table("asset_event_tags")
    with monkeypatch.context() as server_gone:
        server_gone.setattr(PostgresEventLogStorage, "has_table", None)
        assert storage.has_table("asset_event_tags")  # remembered, not asked again


def test_workspace_loads_the_definitions_module() -> None:
    (location,) = load("workspace.yaml")["load_from"]
    assert location["python_module"]["module_name"] == "fakestore_platform.definitions"


def test_dagster_yaml_makes_a_postgres_instance_with_queued_runs_and_recovery(
    repo_instance: DagsterInstance,
) -> None:
    """The repo's dagster.yaml, as the image copies it into DAGSTER_HOME, against a real PostgreSQL."""
    config = load("dagster.yaml")
    assert isinstance(repo_instance.run_storage, PostgresRunStorage)
    assert isinstance(repo_instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(repo_instance.schedule_storage, PostgresScheduleStorage)
    assert urlsplit(repo_instance.run_storage.postgres_url).path == "/dagster"
    assert isinstance(repo_instance.run_coordinator, QueuedRunCoordinator)
    concurrency = repo_instance.get_concurrency_config()
    runs, pools = config["concurrency"]["runs"], config["concurrency"]["pools"]
    assert concurrency.run_queue_config.max_concurrent_runs == runs["max_concurrent_runs"]
    assert concurrency.pool_config.default_pool_limit == pools["default_limit"]
    assert repo_instance.run_monitoring_enabled
    start_timeout = config["run_monitoring"]["start_timeout_seconds"]
    assert repo_instance.run_monitoring_start_timeout_seconds == start_timeout
    # A dead worker's run is failed (the launcher can tell) and an ended run's slots freed.
    assert isinstance(repo_instance.run_launcher, WorkerCheckingRunLauncher)
    assert repo_instance.run_launcher.supports_check_run_worker_health
    assert repo_instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    assert repo_instance.run_retries_enabled
    assert repo_instance.run_retries_max_retries == config["run_retries"]["max_retries"] > 0
    assert repo_instance.freshness_enabled
    assert not repo_instance.telemetry_enabled


# --- docker-compose.yml ---------------------------------------------------------------------------


def test_compose_runs_the_database_the_dagster_processes_and_the_api_only_on_request() -> None:
    assert set(services()) == {"postgres", *PLATFORM_SERVICES}
    profiled = {name: s["profiles"] for name, s in services().items() if "profiles" in s}
    assert profiled == {"fakestore-api": ["local-api"]}


def test_every_service_has_a_healthcheck() -> None:
    for name, service in services().items():
        test = service["healthcheck"]["test"]
        assert test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1, name


def test_compose_postgres_has_a_healthcheck_a_volume_and_no_literal_password() -> None:
    postgres = services()["postgres"]
    assert postgres["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in postgres["healthcheck"]["test"][1]
    # While the init scripts run, the server listens on its socket only: TCP means really up.
    assert "-h 127.0.0.1" in postgres["healthcheck"]["test"][1]
    assert postgres["volumes"][0].split(":")[0] in load("docker-compose.yml")["volumes"]
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")


def test_dagster_processes_wait_for_a_healthy_database_and_code_location() -> None:
    depends = {name: services()[name]["depends_on"] for name in PLATFORM_SERVICES[:3]}
    assert depends["code-location"] == {"postgres": {"condition": "service_healthy"}}
    for name in DAGSTER_SERVICES:
        assert depends[name] == {
            "postgres": {"condition": "service_healthy"},
            "code-location": {"condition": "service_healthy"},
        }


def test_compose_holds_no_literal_secret() -> None:
    for text in strings(load("docker-compose.yml")):
        masked = COMPOSE_VARIABLE.sub("composevariable", text)
        for url in re.findall(r"\w[\w+]*://\S+", masked):
            assert urlsplit(url).password in {None, "composevariable"}, text
    for name, service in services().items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|WEBHOOK", key):
                assert value is None or COMPOSE_VARIABLE.fullmatch(value), (name, key)


def test_compose_stops_without_a_postgres_password_wherever_it_uses_one() -> None:
    lines = (REPO / "docker-compose.yml").read_text().splitlines()
    uses = [line for line in lines if "${POSTGRES_PASSWORD" in line]
    assert len(uses) == 3  # the server, the warehouse URL and Dagster's storage URL
    for text in uses:
        with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
            interpolate(text, {})


def test_every_variable_compose_reads_is_documented_in_env_example() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    read = {name for name, _, _ in COMPOSE_VARIABLE.findall(text)}
    for service in services().values():
        read |= {k for k, v in service.get("environment", {}).items() if v is None}
    assert read - documented_variables() == set()


def test_every_platform_variable_reaches_the_code_location_and_is_documented() -> None:
    """Runs execute in the code location: a setting it lacks silently takes its default."""
    given = set(environment("code-location")) | set(dockerfile_env())
    assert platform_variables() - given == set()
    assert platform_variables() - documented_variables() == set()


def test_env_example_sets_nothing_and_suggests_no_password() -> None:
    for line in (REPO / ".env.example").read_text().splitlines():
        assert not re.match(r"\s*[A-Z]", line), f"active setting in .env.example: {line}"
        if m := re.match(r"#\s*(\w*PASSWORD\w*)=(.*)", line):
            assert m.group(2) == "", line


def test_the_code_location_reaches_the_warehouse_and_dagster_storage_on_the_postgres_service() -> (
    None
):
    env = environment("code-location")
    warehouse = interpolate(env["FAKESTORE_WAREHOUSE_URL"])
    dagster = interpolate(env["FAKESTORE_DAGSTER_STORAGE_URL"])
    assert (
        load_settings({"FAKESTORE_WAREHOUSE_URL": warehouse}).warehouse_url.get_secret_value()
        == warehouse
    )
    assert dagster == storage_url(warehouse.replace("/warehouse", "/dagster"))
    postgres = services()["postgres"]["environment"]
    assert urlsplit(warehouse).hostname == "postgres"
    assert urlsplit(warehouse).path == "/" + postgres["POSTGRES_DB"]
    assert urlsplit(warehouse).username == interpolate(postgres["POSTGRES_USER"])
    for name in DAGSTER_SERVICES:
        assert (
            environment(name)["FAKESTORE_DAGSTER_STORAGE_URL"]
            == (env["FAKESTORE_DAGSTER_STORAGE_URL"])
        )
        # The instance behaves as under fakestore-platform dev: one planned event per asset, a
        # range run's materializations stored in one write.
        for switch, value in DAGSTER_SWITCHES.items():
            assert environment(name)[switch] == value, (name, switch)


def test_the_init_script_creates_the_database_dagster_storage_names() -> None:
    scripts = (REPO / "deploy/postgres-init").glob("*.sql")
    created = {m for s in scripts for m in re.findall(r"create database (\w+)", s.read_text())}
    storage = interpolate(environment("code-location")["FAKESTORE_DAGSTER_STORAGE_URL"])
    assert created == {urlsplit(storage).path.strip("/")}
    mounts = services()["postgres"]["volumes"]
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in mounts


def test_volumes_are_declared_or_exist_and_compute_logs_are_shared_with_the_ui() -> None:
    declared = load("docker-compose.yml")["volumes"]
    for name, service in services().items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), (name, mount)
            else:
                assert source in declared, (name, mount)
    storage = f"dagster-storage:{dockerfile_env()['DAGSTER_HOME']}/storage"
    for name in ("code-location", "dagster-webserver"):
        assert storage in services()[name]["volumes"], name


def test_the_platform_services_build_the_dockerfiles_stages() -> None:
    """The Dagster processes run the runtime image; the local API its stage with the dev tools."""
    builds = {name: services()[name]["build"] for name in PLATFORM_SERVICES}
    assert {build["context"] for build in builds.values()} == {"."}
    assert (REPO / "Dockerfile").is_file()
    targets = {name: build["target"] for name, build in builds.items()}
    assert targets == {
        **dict.fromkeys(set(PLATFORM_SERVICES) - {"fakestore-api"}, "runtime"),
        "fakestore-api": "local-api",
    }
    assert set(targets.values()) <= set(dockerfile_stages())
    assert len({services()[name]["image"] for name in PLATFORM_SERVICES}) == 2


def test_the_dashboard_logs_in_as_the_reader_and_reads_the_code_locations_refresh_token() -> None:
    env = environment("dashboard")
    url = urlsplit(env["FAKESTORE_WAREHOUSE_URL"])
    assert (url.username, url.password, url.hostname) == (READER_ROLE, None, "postgres")
    assert env["FAKESTORE_READER_PASSWORD"] is None  # from .env, never written here
    args = build_parser().parse_args(command_of("dashboard")[1:])
    assert (args.command, args.host) == ("dashboard", "0.0.0.0")
    token = refresh_token_file(Path(dockerfile_env()["FAKESTORE_HOME"])).parent
    assert f"dashboard-refresh:{token}" in services()["code-location"]["volumes"]
    assert f"dashboard-refresh:{token}:ro" in services()["dashboard"]["volumes"]
    assert services()["dashboard"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_the_runtime_image_ships_no_developer_tool() -> None:
    runtime = [src for srcs, _ in dockerfile_copies("runtime") for src in srcs]
    local_api = [src for srcs, _ in dockerfile_copies("local-api") for src in srcs]
    assert "fakestore_platform" in runtime
    assert not any(src.startswith("fakestore_devtools") for src in runtime)
    assert "fakestore_devtools" in local_api


# --- The image and the commands the services run ---------------------------------------------------


def test_the_dockerfile_copies_only_what_exists_and_reaches_the_build_context() -> None:
    sources = [source for copy_sources, _ in dockerfile_copies() for source in copy_sources]
    assert sources
    for source in sources:
        assert (REPO / source).exists(), source
        assert not ignored_by_docker(source), source


def test_dockerignore_keeps_secrets_local_state_and_build_output_out() -> None:
    for path in (".env", ".venv", ".git", ".fakestore", "dbt_project/target/manifest.json"):
        assert ignored_by_docker(path), path
    assert not ignored_by_docker("dbt_project/models")


def test_the_image_builds_the_manifest_runs_as_non_root_and_holds_dagster_yaml() -> None:
    instructions = dockerfile()
    assert instructions[0][0] == "FROM" and instructions[0][1].startswith("python:3.11-slim")
    runs = " ".join(args for kind, args in instructions if kind == "RUN")
    # dagster-dbt parses the project in place, beside the package installed in place: no link
    # into site-packages, no placeholder connection (the profile's defaults name the warehouse).
    prepare = re.search(r"dagster-dbt project prepare-and-package --file (\S+)", runs)
    assert prepare and (REPO / prepare[1]).is_file()
    assert "--editable ." in runs
    assert "parse-only" not in runs and "ln -s" not in runs
    user = [args for kind, args in instructions if kind == "USER"][-1]
    assert user.split(":")[0] not in {"root", "0"}
    home = dockerfile_env()["DAGSTER_HOME"]
    assert (["dagster.yaml"], f"{home}/dagster.yaml") in dockerfile_copies()
    assert "FAKESTORE_WAREHOUSE_URL" not in dockerfile_env()  # unset would mean embedded


def test_the_code_location_serves_what_the_deploy_workspace_loads() -> None:
    params = parse_click(command_of("code-location"))
    server = workspace_server()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["dagster"]
    (local,) = load("workspace.yaml")["load_from"]
    assert params["module_name"] == project["module_name"]
    assert params["location_name"] == server["location_name"] == project["code_location_name"]
    assert local["python_module"]["location_name"] == server["location_name"]
    assert server["host"] == "code-location" and server["host"] in services()
    assert (params["host"], params["port"]) == ("0.0.0.0", server["port"])
    health = parse_click(services()["code-location"]["healthcheck"]["test"][1:])
    assert health["port"] == server["port"]


def test_the_webserver_and_daemon_load_the_workspace_the_image_holds() -> None:
    """The CLIs check the file exists: here, the repo's copy stands where the image puts it."""
    source = str(REPO / "deploy/workspace.yaml")
    (in_image,) = [dest for srcs, dest in dockerfile_copies() if srcs == ["deploy/workspace.yaml"]]
    parsed = {
        name: parse_click([source if arg == in_image else arg for arg in command_of(name)])
        for name in DAGSTER_SERVICES
    }
    assert all(params["workspace"] == (source,) for params in parsed.values())
    webserver = parsed["dagster-webserver"]
    assert webserver["host"] == "0.0.0.0"
    assert services()["dagster-webserver"]["ports"][0].endswith(f":{webserver['port']}")
    health = " ".join(services()["dagster-webserver"]["healthcheck"]["test"])
    assert f":{webserver['port']}/server_info" in health
    parse_click(services()["dagster-daemon"]["healthcheck"]["test"][1:])


def test_the_local_api_serves_where_env_example_points_the_platform() -> None:
    api = services()["fakestore-api"]
    args = build_parser().parse_args(command_of("fakestore-api")[1:])
    assert (args.command, args.host) == ("api", "0.0.0.0")
    assert f":{args.port}/" in " ".join(api["healthcheck"]["test"])
    suggested = re.search(r"FAKESTORE_API_URL=(\S+)", (REPO / ".env.example").read_text())
    assert suggested and suggested.group(1) == f"http://fakestore-api:{args.port}"


def healthcheck(stage: str) -> list[str]:
    """The exec form of the stage's HEALTHCHECK command, its options dropped."""
    (args,) = [args for kind, args in dockerfile_stages()[stage] if kind == "HEALTHCHECK"]
    return json.loads(args.split(" CMD ", 1)[1])


def test_each_image_checks_its_own_health_on_the_port_it_serves() -> None:
    code_server = parse_click(image_command("runtime"))
    grpc_check = parse_click(healthcheck("runtime"))
    assert grpc_check["port"] == code_server["port"]
    local_api = build_parser().parse_args(image_command("local-api")[1:])
    assert f"127.0.0.1:{local_api.port}/" in " ".join(healthcheck("local-api"))


def test_the_runtime_stage_copies_the_product_alone_and_ends_as_its_user() -> None:
    """No tests, developer tools or dev dependencies: the package, the dbt project, the instance."""
    runtime = {src for srcs, _ in dockerfile_copies("runtime") for src in srcs}
    assert runtime == {
        "pyproject.toml",
        "README.md",
        "dagster.yaml",
        "deploy/workspace.yaml",
        "dbt_project",
        "fakestore_platform",
    }
    assert ignored_by_docker("fakestore_platform_tests/test_deployment_files.py")
    runs = " ".join(args for kind, args in dockerfile_stages()["runtime"] if kind == "RUN")
    assert "[dev]" not in runs and "pytest" not in runs
    for stage in ("runtime", "local-api"):
        users = [args for kind, args in dockerfile_stages()[stage] if kind == "USER"]
        assert users[-1] == "10001:10001", stage


def test_the_images_extras_are_the_projects_and_none_by_default() -> None:
    """`--build-arg EXTRAS=k8s` adds dagster-k8s for Kubernetes; compose's image goes without."""
    (extras,) = [args for kind, args in dockerfile() if kind == "ARG" and args.startswith("EXTRAS")]
    assert extras == 'EXTRAS=""'
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "k8s" in project["optional-dependencies"]
    assert "EXTRAS" not in json.dumps(load("docker-compose.yml"))
