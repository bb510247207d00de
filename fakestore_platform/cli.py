"""The `fakestore-platform` command: the local API, the embedded database, the demo and the UI."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from fakestore_platform.errors import FakestoreError
from fakestore_platform.runs import RunInterrupted
from fakestore_platform.settings import Seconds, Share, WholeNumber, load_settings

# The arguments read numbers as the settings do; their own bounds, and words, are the command's.


def _positive_int(raw: str) -> int:
    if (number := WholeNumber(1, sys.maxsize).parse(raw)) is None:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {raw!r}")
    return number


def _non_negative_int(raw: str) -> int:
    if (number := WholeNumber(0, sys.maxsize).parse(raw)) is None:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {raw!r}")
    return number


def _iso_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2020-01-01, got {raw!r}") from None


def _port(raw: str) -> int:
    if (port := WholeNumber(1, 65535).parse(raw)) is None:
        raise argparse.ArgumentTypeError(f"expected a TCP port from 1 to 65535, got {raw!r}")
    return port


def _share(raw: str) -> float:
    if (share := Share().parse(raw)) is None:
        raise argparse.ArgumentTypeError(f"expected a share from 0 to 1, got {raw!r}")
    return share


def _seconds(raw: str) -> float:
    kind = Seconds(allow_zero=True)
    if (seconds := kind.parse(raw)) is None:
        raise argparse.ArgumentTypeError(f"expected {kind.expected()}, got {raw!r}")
    return seconds


def _run_api(args: argparse.Namespace) -> None:
    from fakestore_devtools.emulator import EmulatorConfig, FaultConfig, serve_forever
    from fakestore_devtools.emulator.faults import RECORD_FAULTS, TRANSPORT_FAULTS

    config = EmulatorConfig(
        products=args.products,
        users=args.users,
        carts=args.carts,
        start=args.start,
        days=args.days,
        seed=args.seed,
    )
    rates = {f"{fault}_rate": getattr(args, f"{fault}_rate") for fault in RECORD_FAULTS}
    for fault in TRANSPORT_FAULTS:
        rate = getattr(args, f"{fault}_rate")
        rates[f"{fault}_rate"] = args.fault_rate / len(TRANSPORT_FAULTS) if rate is None else rate
    faults = None
    if any(rates.values()):
        try:
            faults = FaultConfig(seed=args.fault_seed, slow_seconds=args.slow_seconds, **rates)
        except ValueError as exc:
            raise FakestoreError(str(exc)) from None
    print(f"Local Fake Store API on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    if faults is not None:
        print(f"Injecting faults; their count is at http://{args.host}:{args.port}/__faults")
    serve_forever(config, args.host, args.port, faults)


def _run_db(args: argparse.Namespace) -> None:
    from fakestore_platform.redaction import redact_url
    from fakestore_platform.warehouse.connection import (
        WAREHOUSE_DATABASE,
        database_urls,
        with_database,
    )
    from fakestore_platform.warehouse.embedded import EmbeddedPostgres

    settings = load_settings()
    server = EmbeddedPostgres(settings.embedded_pgdata)
    if args.action == "stop":
        stopped = server.stop()
        print(f"stopped the embedded PostgreSQL in {server.pgdata}" if stopped else "not running")
    elif args.action == "status":
        url = server.running_url()
        if url is None:
            print(f"not running (data directory {server.pgdata})")
        else:  # the embedded server's URL: a local socket, trust authentication, no password
            print(f"running: psql {shlex.quote(with_database(url, WAREHOUSE_DATABASE))}")
    else:
        urls = database_urls(settings)
        print(f"warehouse: {redact_url(urls.warehouse)}\ndagster:   {redact_url(urls.dagster)}")


def _run_env(args: argparse.Namespace) -> None:
    from fakestore_platform.instance import dagster_environment
    from fakestore_platform.warehouse.connection import database_urls

    settings = load_settings()
    for name, value in dagster_environment(
        settings, database_urls(settings), settings.api_url
    ).items():
        print(f"export {name}={shlex.quote(value)}")


def printed_run_id(output: str) -> str:
    """The run id in what `materialize` printed: its line `run <id> succeeded; ...`."""
    return next(line for line in output.splitlines() if line.startswith("run ")).split()[1]


def _run_materialize(args: argparse.Namespace) -> None:
    from fakestore_platform.instance import dagster_environment
    from fakestore_platform.run_output import PLAIN_LOG_ENVIRONMENT
    from fakestore_platform.runs import materialize, parse_partitions
    from fakestore_platform.warehouse.connection import database_urls

    settings = load_settings()
    partitions = parse_partitions(args.partition, args.partition_range, settings)
    os.environ.update(dagster_environment(settings, database_urls(settings), settings.api_url))
    os.environ.update(PLAIN_LOG_ENVIRONMENT)
    outcome = materialize(args.select, partitions, settings.run_logs)
    if not outcome.success:
        print(f"Log of the run (dbt, Dagster): {outcome.log_file}", flush=True)
        raise FakestoreError(outcome.failure_line())
    checks = outcome.check_evaluations
    print(
        f"run {outcome.run_id} succeeded; {sum(e.passed for e in checks)} of {len(checks)} checks"
        f" passed; log: {outcome.log_file}"
    )
    for evaluation in checks:
        if not evaluation.passed:
            found = f": {evaluation.description}" if evaluation.description else ""
            print(
                f"  {evaluation.severity.value}: {evaluation.asset_key.to_user_string()} {evaluation.check_name}{found}"
            )


def _run_docs(args: argparse.Namespace) -> None:
    from fakestore_platform.docs import docs_server, generate_docs

    target = generate_docs(load_settings())
    print(f"dbt docs: {target / 'index.html'}")
    if args.serve:
        with docs_server(target, args.port) as server:
            print(f"Serving them on http://127.0.0.1:{args.port} (Ctrl-C stops it)", flush=True)
            server.serve_forever()


def _run_reset(args: argparse.Namespace) -> None:
    from fakestore_platform.reset import reset_embedded

    reset_embedded(load_settings(), confirmed=args.yes)


def _run_demo(args: argparse.Namespace) -> None:
    from fakestore_platform.demo import run_demo

    run_demo(load_settings(), args.fault_rate, args.fault_seed)


def _run_dev(args: argparse.Namespace) -> None:
    from fakestore_platform.dev import run_dev

    run_dev(load_settings(), args.host, args.port, args.local_api, args.dashboard_port)


def _run_dashboard(args: argparse.Namespace) -> None:
    from fakestore_platform.dashboard.server import ensure_port_free, streamlit_command
    from fakestore_platform.errors import WarehouseError
    from fakestore_platform.warehouse.connection import reader_url
    from fakestore_platform.warehouse.embedded import EmbeddedPostgres

    settings = load_settings()
    try:
        reader_url(settings)  # an unset password is refused here, in one line
    except WarehouseError:  # only the embedded server can be "not running": start it
        EmbeddedPostgres(settings.embedded_pgdata).start()
    ensure_port_free(args.host, args.port)
    print(
        f"Dashboard on http://{args.host}:{args.port} (the marts, read as fakestore_reader;"
        " Ctrl-C stops it)",
        flush=True,
    )
    command = streamlit_command(args.host, args.port)
    os.execv(command[0], command)  # Streamlit's process from here on: Ctrl-C reaches it alone


def _run_bench(args: argparse.Namespace) -> None:
    from fakestore_devtools.bench.environment import StoreSize
    from fakestore_devtools.bench.run import run_benchmark

    run_benchmark(StoreSize(carts=args.carts, days=args.days), args.repeat, args.report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakestore-platform", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    api = commands.add_parser(
        "api", help="serve the local Fake Store API (deterministic generated data)"
    )
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=_port, default=8765)
    api.add_argument("--products", type=_positive_int, default=20)
    api.add_argument("--users", type=_positive_int, default=10)
    api.add_argument("--carts", type=_non_negative_int, default=7)
    api.add_argument("--start", type=_iso_date, default=date(2020, 1, 1), help="first cart day")
    api.add_argument("--days", type=_positive_int, default=62, help="days the carts spread over")
    api.add_argument("--seed", type=_non_negative_int, default=42)
    faults = api.add_argument_group(
        "faults", "fail reproducibly, to test recovery; a rate is a share from 0 to 1, default 0"
    )
    faults.add_argument(
        "--fault-seed", type=_non_negative_int, default=0, help="same seed, same faults"
    )
    faults.add_argument(
        "--fault-rate",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="share of requests to fail, spread evenly over the five kinds below",
    )
    for fault, what in (
        ("error", "answered 500, 502 or 503"),
        ("throttle", "answered 429 with Retry-After: 1"),
        ("slow", "answered after --slow-seconds"),
        ("reset", "dropped mid-response"),
        ("truncate", "answered 200 with half the JSON"),
    ):
        faults.add_argument(
            f"--{fault}-rate",
            type=_share,
            metavar="SHARE",
            help=f"share of requests {what} (instead of a fifth of --fault-rate)",
        )
    faults.add_argument(
        "--slow-seconds", type=_seconds, default=3.0, help="above a client's timeout by default"
    )
    for fault, what in (
        ("invalid", "breaking the schema"),
        ("drift", "with a field the schema lacks"),
        ("duplicate", "served twice"),
    ):
        faults.add_argument(
            f"--{fault}-rate",
            type=_share,
            default=0.0,
            metavar="SHARE",
            help=f"share of listed records {what}",
        )
    api.set_defaults(run=_run_api)

    db = commands.add_parser("db", help="the embedded PostgreSQL under FAKESTORE_HOME")
    db.add_argument("action", choices=["start", "stop", "status"])
    db.set_defaults(run=_run_db)

    env = commands.add_parser(
        "env",
        help='print the environment for dagster CLI commands: eval "$(fakestore-platform env)"',
    )
    env.set_defaults(run=_run_env)

    materialize = commands.add_parser(
        "materialize",
        help="materialize assets in one run here, inputs checked first (dagster asset materialize, safer)",
    )
    materialize.add_argument(
        "--select",
        required=True,
        help="Dagster asset selection, e.g. '*' or 'key:\"bronze/carts\"+'",
    )
    materialize.add_argument("--partition", help="one carts day, e.g. 2020-03-01")
    materialize.add_argument(
        "--partition-range", help="carts days as one run, e.g. 2020-01-01...2020-03-31"
    )
    materialize.set_defaults(run=_run_materialize)

    docs = commands.add_parser(
        "docs", help="generate the dbt docs of the warehouse (offline); --serve opens them"
    )
    docs.add_argument("--serve", action="store_true")
    docs.add_argument("--port", type=_port, default=8080)
    docs.set_defaults(run=_run_docs)

    reset = commands.add_parser(
        "reset",
        help="delete the embedded warehouse and Dagster instance under FAKESTORE_HOME, to start over",
    )
    reset.add_argument("--yes", action="store_true", help="do not ask first")
    reset.set_defaults(run=_run_reset)

    demo = commands.add_parser("demo", help="run the platform end to end against the local API")
    demo.add_argument(
        "--fault-rate",
        type=_share,
        default=0.0,
        help="share of the local API's requests to fail (5xx, 429, slow, reset, truncated), e.g. 0.3",
    )
    demo.add_argument("--fault-seed", type=_non_negative_int, default=0)
    demo.set_defaults(run=_run_demo)

    bench = commands.add_parser(
        "bench", help="measure ingest, incremental runs and the full graph on a fresh warehouse"
    )
    bench.add_argument("--carts", type=_positive_int, default=1_000_000)
    bench.add_argument("--days", type=_positive_int, default=365, help="days the carts spread over")
    bench.add_argument("--repeat", type=_positive_int, default=5, help="runs per median")
    bench.add_argument("--report", type=Path, help="write the figures to this Markdown file")
    bench.set_defaults(run=_run_bench)

    dev = commands.add_parser("dev", help="the Dagster UI and daemon on the platform's instance")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=_port, default=3000)
    dev.add_argument(
        "--local-api", action="store_true", help="serve the local Fake Store API for this session"
    )
    dev.add_argument(
        "--dashboard-port", type=_port, default=8501, help="the dashboard's port, beside the UI"
    )
    dev.set_defaults(run=_run_dev)

    dashboard = commands.add_parser(
        "dashboard", help="serve the analysts' dashboard over the marts (as fakestore_reader)"
    )
    dashboard.add_argument("--host", default="127.0.0.1")
    dashboard.add_argument("--port", type=_port, default=8501)
    dashboard.set_defaults(run=_run_dashboard)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Known and harmless here: platformdirs without XDG_RUNTIME_DIR, Dagster's beta notice on the
    # single-run backfill policy every asset carries.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except RunInterrupted as exc:
        # The interrupted run's thread and Dagster's own threads are abandoned, not waited for.
        print(f"fakestore-platform: error: {exc}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(1)
    except FakestoreError as exc:
        print(f"fakestore-platform: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
