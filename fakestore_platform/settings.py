"""Configuration from environment variables, validated once, with one clear line per mistake."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fakestore_platform.errors import SettingsError
from fakestore_platform.redaction import redact_url

REAL_API_URL = "https://fakestoreapi.com"

# The sane ranges of the numbers: a second count of a day at most (a timeout, a delay, a budget), a
# lookback a daily schedule can compute and reload every day, no carts before the Unix epoch.
MAX_SECONDS = 86_400
MAX_LOOKBACK_DAYS = 3_650
MAX_API_ATTEMPTS = 100
MAX_RUN_RETRIES = 100
EARLIEST_CARTS_START = date(1970, 1, 1)

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """Everything the platform reads from the environment."""

    api_url: str
    api_url_is_default: bool
    warehouse_url: str | None
    home: Path
    api_connect_timeout: float
    api_read_timeout: float
    api_max_attempts: int
    api_retry_budget: float
    carts_start: date
    rejected_share_warn: float
    rejected_share_error: float
    run_retries: int
    run_retry_delay: float
    reader_password: str | None
    carts_schedule_cron: str
    snapshots_schedule_cron: str
    schedule_timezone: str
    carts_lookback_days: int
    carts_sensor_interval: int
    automation_interval: int
    failure_webhook_url: str | None

    @property
    def embedded_pgdata(self) -> Path:
        return self.home / "postgres"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def run_logs(self) -> Path:
        """Where runs launched from the command line write dbt's and Dagster's logs."""
        return self.home / "logs"


def _url_parts(raw: str) -> SplitResult | None:
    try:
        return urlsplit(raw)
    except ValueError:  # a malformed IPv6 host, say
        return None


def _http_url(name: str, raw: str, *, secret_path: bool = False) -> str:
    """An http(s) URL; with `secret_path` its path is a credential (a webhook's token)."""
    parts = _url_parts(raw)
    if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
        shown = redact_url(raw, secret_path=secret_path)
        raise SettingsError(
            f"{name} must be an http(s) URL like https://host.example, got {shown!r}"
        )
    return raw.rstrip("/")


def _postgres_url(name: str, raw: str) -> str:
    parts = _url_parts(raw)
    if parts is None or parts.scheme not in {"postgresql", "postgres"} or not parts.path.strip("/"):
        raise SettingsError(
            f"{name} must be a postgresql:// URL naming a database, "
            f"like postgresql://user:password@host:5432/warehouse, got {redact_url(raw)!r}"
        )
    return raw


def _seconds(name: str, raw: str, *, allow_zero: bool = False) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    minimum_ok = value >= 0 if allow_zero else value > 0
    if not (minimum_ok and value <= MAX_SECONDS):  # NaN fails both, inf the second
        bound = "from 0 to" if allow_zero else "greater than 0, up to"
        raise SettingsError(
            f"{name} must be a number of seconds {bound} {MAX_SECONDS} (a day), got {raw!r}"
        )
    return value


def _utc_today() -> date:
    return datetime.now(UTC).date()  # the carts partitions are UTC days


def _carts_start(name: str, raw: str, *, today: date) -> date:
    """A first partition day the partitions can start from: not before 1970, not in the future."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not EARLIEST_CARTS_START <= day <= today:
        raise SettingsError(
            f"{name} must be a date like 2020-01-01, from {EARLIEST_CARTS_START} to today"
            f" ({today}), got {raw!r}"
        )
    return day


def _share(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise SettingsError(f"{name} must be a share from 0 to 1 (0.05 is 5%), got {raw!r}")
    return value


def _whole_number(name: str, raw: str, *, minimum: int = 1, maximum: int) -> int:
    # isdigit() alone takes '²' and other digits int() refuses: only 0-9 make a number here, and
    # few enough of them that int() takes them too (it refuses more than 4,300).
    digits = raw.strip()
    number = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 19 else None
    if number is None or not minimum <= number <= maximum:
        raise SettingsError(
            f"{name} must be a whole number from {minimum} to {maximum}, got {raw!r}"
        )
    return number


def _cron(name: str, raw: str) -> str:
    from dagster._utils.schedules import is_valid_cron_string  # only when a cron is configured

    if not is_valid_cron_string(raw):
        raise SettingsError(
            f"{name} must be a cron expression of five fields, like '0 6 * * *', got {raw!r}"
        )
    return raw


def _timezone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ValueError, ZoneInfoNotFoundError):
        raise SettingsError(
            f"{name} must be an IANA time zone like UTC or Europe/Berlin, got {raw!r}"
        ) from None
    return raw


def _read(env: Mapping[str, str], name: str, parse: Callable[[str, str], T], default: T) -> T:
    raw = env.get(name, "").strip()
    return parse(name, raw) if raw else default


def load_settings(env: Mapping[str, str] | None = None, today: date | None = None) -> Settings:
    """Read and validate the environment; raise SettingsError naming the first bad variable.

    `today` (UTC) bounds the carts' first day: partitions cannot start in the future.
    """
    env = os.environ if env is None else env
    today = today or _utc_today()
    api_url = _read(env, "FAKESTORE_API_URL", _http_url, None)
    home = Path(env.get("FAKESTORE_HOME", "").strip() or ".fakestore").expanduser().absolute()
    if home.exists() and not home.is_dir():
        raise SettingsError(f"FAKESTORE_HOME must be a directory, but {home} is a file")
    warn = _read(env, "FAKESTORE_REJECTED_SHARE_WARN", _share, 0.05)
    error = _read(env, "FAKESTORE_REJECTED_SHARE_ERROR", _share, max(warn, 0.2))
    if error < warn:
        raise SettingsError(
            f"FAKESTORE_REJECTED_SHARE_ERROR must be at least FAKESTORE_REJECTED_SHARE_WARN ({warn}), got {error}"
        )
    return Settings(
        api_url=api_url or REAL_API_URL,
        api_url_is_default=api_url is None,
        warehouse_url=_read(env, "FAKESTORE_WAREHOUSE_URL", _postgres_url, None),
        home=home,
        api_connect_timeout=_read(env, "FAKESTORE_API_CONNECT_TIMEOUT", _seconds, 5.0),
        api_read_timeout=_read(env, "FAKESTORE_API_READ_TIMEOUT", _seconds, 30.0),
        api_max_attempts=_read(
            env, "FAKESTORE_API_MAX_ATTEMPTS", partial(_whole_number, maximum=MAX_API_ATTEMPTS), 5
        ),
        api_retry_budget=_read(
            env, "FAKESTORE_API_RETRY_BUDGET", partial(_seconds, allow_zero=True), 60.0
        ),
        carts_start=_read(
            env, "FAKESTORE_CARTS_START", partial(_carts_start, today=today), date(2020, 1, 1)
        ),
        rejected_share_warn=warn,
        rejected_share_error=error,
        run_retries=_read(
            env,
            "FAKESTORE_RUN_RETRIES",
            partial(_whole_number, minimum=0, maximum=MAX_RUN_RETRIES),
            3,
        ),
        run_retry_delay=_read(
            env, "FAKESTORE_RUN_RETRY_DELAY", partial(_seconds, allow_zero=True), 10.0
        ),
        reader_password=env.get("FAKESTORE_READER_PASSWORD") or None,
        carts_schedule_cron=_read(env, "FAKESTORE_CARTS_SCHEDULE_CRON", _cron, "0 6 * * *"),
        snapshots_schedule_cron=_read(env, "FAKESTORE_SNAPSHOTS_SCHEDULE_CRON", _cron, "0 5 * * *"),
        schedule_timezone=_read(env, "FAKESTORE_SCHEDULE_TIMEZONE", _timezone, "UTC"),
        carts_lookback_days=_read(
            env,
            "FAKESTORE_CARTS_LOOKBACK_DAYS",
            partial(_whole_number, minimum=0, maximum=MAX_LOOKBACK_DAYS),
            2,
        ),
        carts_sensor_interval=_read(
            env, "FAKESTORE_CARTS_SENSOR_INTERVAL", partial(_whole_number, maximum=MAX_SECONDS), 300
        ),
        automation_interval=_read(
            env, "FAKESTORE_AUTOMATION_INTERVAL", partial(_whole_number, maximum=MAX_SECONDS), 30
        ),
        failure_webhook_url=_read(
            env, "FAKESTORE_FAILURE_WEBHOOK_URL", partial(_http_url, secret_path=True), None
        ),
    )


@cache
def current_settings() -> Settings:
    """The process's settings, read once: what definitions and the CLI share."""
    return load_settings()
