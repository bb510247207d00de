"""The `fakestore-platform` command: the local API, the embedded database, the demo and the UI."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from datetime import date

from fakestore_platform.errors import FakestoreError
from fakestore_platform.settings import load_settings


def _positive_int(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {raw!r}")
    return int(raw)


def _non_negative_int(raw: str) -> int:
    if not raw.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {raw!r}")
    return int(raw)


def _iso_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2020-01-01, got {raw!r}") from None


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise argparse.ArgumentTypeError(f"expected a TCP port from 1 to 65535, got {raw!r}")
    return int(raw)


def _run_api(args: argparse.Namespace) -> None:
    from fakestore_platform.api.emulator import EmulatorConfig, serve_forever

    config = EmulatorConfig(
        products=args.products,
        users=args.users,
        carts=args.carts,
        start=args.start,
        days=args.days,
        seed=args.seed,
    )
    print(f"Local Fake Store API on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    serve_forever(config, args.host, args.port)


def _run_db(args: argparse.Namespace) -> None:
    from fakestore_platform.warehouse.connection import database_urls, redact_url
    from fakestore_platform.warehouse.embedded import EmbeddedPostgres

    settings = load_settings()
    server = EmbeddedPostgres(settings.embedded_pgdata)
    if args.action == "stop":
        stopped = server.stop()
        print(f"stopped the embedded PostgreSQL in {server.pgdata}" if stopped else "not running")
    elif args.action == "status":
        url = server.running_url()
        print(f"running: {url}" if url else f"not running (data directory {server.pgdata})")
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


def _run_demo(args: argparse.Namespace) -> None:
    from fakestore_platform.demo import run_demo

    run_demo(load_settings())


def _run_dev(args: argparse.Namespace) -> None:
    from fakestore_platform.dev import run_dev

    run_dev(load_settings(), args.host, args.port, args.local_api)


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
    api.set_defaults(run=_run_api)

    db = commands.add_parser("db", help="the embedded PostgreSQL under FAKESTORE_HOME")
    db.add_argument("action", choices=["start", "stop", "status"])
    db.set_defaults(run=_run_db)

    env = commands.add_parser(
        "env",
        help='print the environment for dagster CLI commands: eval "$(fakestore-platform env)"',
    )
    env.set_defaults(run=_run_env)

    demo = commands.add_parser("demo", help="run the platform end to end against the local API")
    demo.set_defaults(run=_run_demo)

    dev = commands.add_parser("dev", help="the Dagster UI and daemon on the platform's instance")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=_port, default=3000)
    dev.add_argument(
        "--local-api", action="store_true", help="serve the local Fake Store API for this session"
    )
    dev.set_defaults(run=_run_dev)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except FakestoreError as exc:
        print(f"fakestore-platform: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
