"""The README's path, in its order, as a new user walks it in a fresh copy of the repository, with
nothing exported: the demo, `dev --local-api` with its sensors and automation running a while,
the `dg` commands and the dagster CLI's commands exactly as the README writes them, the docs, and
`dg dev`. Any failed command, run or check on the way fails the test."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest

from fakestore_platform.warehouse.connection import WAREHOUSE_DATABASE, connect, with_database
from fakestore_platform.warehouse.embedded import EmbeddedPostgres
from fakestore_platform_tests.dev_server import free_port, stop_process_group, wait_until_serving
from fakestore_platform_tests.expectations import ApiData, assert_no_password_anywhere

REPO = Path(__file__).resolve().parents[1]
# How long dev runs with its sensor and automation polling every few seconds.
DEV_SECONDS = 45
# Test speed-ups only: how often dev's sensor and automation look (users keep the defaults).
FAST_POLLING = {"FAKESTORE_CARTS_SENSOR_INTERVAL": "5", "FAKESTORE_AUTOMATION_INTERVAL": "5"}

pytestmark = pytest.mark.reliability


def readme_block(name: str) -> list[str]:
    """The command lines of the README's `<!-- name -->` block, comment lines and fences dropped."""
    readme = (REPO / "README.md").read_text()
    block = readme.split(f"<!-- {name} -->")[1].split(f"<!-- /{name} -->")[0]
    return [line for line in block.splitlines() if line and not line.startswith(("#", "```"))]


def fresh_copy(destination: Path) -> Path:
    """The repository's files as a clone has them (no .env, no .fakestore, no dbt manifest),
    sharing its installed .venv."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            # With its times: make sees the shared .venv as installed for this pyproject.toml.
            shutil.copy2(source, target)
    (destination / ".venv").symlink_to(REPO / ".venv")
    return destination


def new_shell_environment() -> dict[str, str]:
    """A new login shell's variables: nothing of the platform's or Dagster's exported."""
    kept = ("HOME", "LANG", "PATH", "TMPDIR", "PYTHONPATH")  # PYTHONPATH: the tree under test
    return {name: os.environ[name] for name in kept if name in os.environ}


def run_line(line: str, clone: Path, env: dict[str, str], timeout: float = 900) -> str:
    """One README line, through bash, in the copy; its output, or a failure with the output."""
    result = subprocess.run(
        ["bash", "-c", line], cwd=clone, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{line}\n{output[-5000:]}"
    return output


@contextmanager
def serving(
    command: list[str], clone: Path, env: dict[str, str], log: Path, ready: str = "/server_info"
) -> Iterator[str]:
    """A server command in a session of its own, once its `ready` path answers; then stopped."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=clone,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    port = command[command.index("--port") + 1]
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, log, timeout=180, path=ready)
        yield url
    finally:
        stop_process_group(process)


@contextmanager
def the_copy_instance(clone: Path) -> Iterator[dg.DagsterInstance]:
    """The instance the copy's `.env` names, read the way any Dagster process there reads it."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("FAKESTORE_DAGSTER_STORAGE_URL", "FAKESTORE_WAREHOUSE_URL"):
            patch.delenv(name, raising=False)
        patch.setenv("FAKESTORE_HOME", str(clone / ".fakestore"))
        patch.setenv("DAGSTER_HOME", str(clone / ".fakestore" / "dagster"))
        with dg.DagsterInstance.get() as instance:
            yield instance


def failed_runs_and_checks(instance: dg.DagsterInstance, since: datetime) -> list[str]:
    runs = instance.get_runs(dg.RunsFilter(created_after=since))
    failed = [f"run {run.job_name}" for run in runs if run.status == dg.DagsterRunStatus.FAILURE]
    for run in runs:
        for record in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records:
            evaluation = record.event_log_entry.dagster_event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                failed.append(
                    f"check {evaluation.asset_key.to_user_string()} {evaluation.check_name}"
                )
    return failed


def test_the_readme_path_holds_in_order_in_a_new_shell(tmp_path: Path) -> None:
    clone = fresh_copy(tmp_path / "fakestore_platform")
    env = new_shell_environment()
    started = datetime.now(UTC)
    try:
        _walk(clone, env, started, tmp_path)
    finally:
        EmbeddedPostgres(clone / ".fakestore" / "postgres").stop()


def _walk(clone: Path, env: dict[str, str], started: datetime, logs: Path) -> None:
    # make demo: its last line, and the .env that points dg and dagster at its instance.
    # The copy shares this .venv: were it out of date, make would reinstall it from the copy.
    assert subprocess.run(["make", "-q", "install"], cwd=clone, env=env).returncode == 0, (
        "the .venv is older than pyproject.toml: run `make install` first"
    )
    output = run_line("make demo", clone, env)
    assert output.rstrip().endswith("fakestore-platform dev --local-api")
    assert f"DAGSTER_HOME='{clone / '.fakestore' / 'dagster'}'" in (clone / ".env").read_text()

    # dev --local-api, its sensors and automation left to run a while.
    dev = [".venv/bin/fakestore-platform", "dev", "--local-api", "--port", str(free_port())]
    with serving(dev, clone, env | FAST_POLLING, logs / "dev.log"):
        time.sleep(DEV_SECONDS)
    with the_copy_instance(clone) as instance:
        assert failed_runs_and_checks(instance, started) == []

    # The local API, as the README starts it, on a free port; its URL into .env as the README says.
    api_port = str(free_port())
    start_api, point_at_it = (line.replace("8765", api_port) for line in readme_block("api-lines"))
    api_command = shlex.split(start_api, comments=True)
    assert api_command[-1] == "&"  # in the background, as the README runs it
    with serving(api_command[:-1], clone, env, logs / "api.log", "/products/categories"):
        run_line(point_at_it, clone, env)
        dg_lines = readme_block("dg-commands")
        assert [shlex.split(line)[1] for line in dg_lines] == ["check", "list", "launch", "launch"]
        check, listed, backfill, checks = (run_line(line, clone, env) for line in dg_lines)
        assert "All definitions loaded successfully" in check
        assert "bronze/carts" in listed and "materialize_everything" in listed
        assert backfill.count("RUN_SUCCESS") == 1  # the whole range in one run
        assert "ASSET_MATERIALIZATION" not in checks and "RUN_SUCCESS" in checks

        one_day, check_job, job_backfill = readme_block("cli-commands")
        assert run_line(one_day, clone, env).count("RUN_SUCCESS") == 1
        assert "ASSET_MATERIALIZATION" not in run_line(check_job, clone, env)
        launched = run_line(job_backfill, clone, env)
        api = ApiData.fetch(f"http://127.0.0.1:{api_port}")

    backfill_id = re.search(r"Launched backfill job `(\w+)`", launched).group(1)
    with the_copy_instance(clone) as instance:
        assert failed_runs_and_checks(instance, started) == []
        evaluations = [
            record.event_log_entry.dagster_event.event_specific_data
            for run in instance.get_runs(dg.RunsFilter(job_name="asset_checks"))
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
        ]
        assert len(evaluations) > 100
        queued = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        assert sorted(run.tags["dagster/partition"] for run in queued) == [
            f"2020-01-0{day}" for day in range(1, 8)
        ]
        for run in queued:  # queued for a daemon; dg dev below must not start them
            instance.report_run_canceled(run, message="the README test runs no daemon here")
    server = EmbeddedPostgres(clone / ".fakestore" / "postgres").running_url()
    with connect(with_database(server, WAREHOUSE_DATABASE)) as conn:
        assert_no_password_anywhere(conn, [user["password"] for user in api.users])

    # The docs, generated, then served.
    assert "index.html" in run_line(".venv/bin/fakestore-platform docs", clone, env)
    docs_port = str(free_port())
    docs = [".venv/bin/fakestore-platform", "docs", "--serve", "--port", docs_port]
    with subprocess.Popen(docs, cwd=clone, env=env, start_new_session=True) as served:
        page = _fetched(f"http://127.0.0.1:{docs_port}/index.html", served)
        os.killpg(served.pid, signal.SIGINT)
    assert page.status_code == 200 and "dbt" in page.text

    # dg dev: the UI on the same instance, the runs above in it.
    with serving(
        [".venv/bin/dg", "dev", "--port", str(free_port())], clone, env, logs / "dg-dev.log"
    ) as url:
        answer = httpx.post(
            f"{url}/graphql",
            json={"query": "{ runsOrError { ... on Runs { results { runId status } } } }"},
            timeout=30,
        ).json()
    statuses = {run["status"] for run in answer["data"]["runsOrError"]["results"]}
    assert "SUCCESS" in statuses and "FAILURE" not in statuses


def _fetched(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 300
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            assert process.poll() is None and time.monotonic() < deadline, "docs --serve stopped"
            time.sleep(0.5)
