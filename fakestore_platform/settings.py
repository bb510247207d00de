"""Configuration from environment variables, validated once, with one clear line per mistake."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    GetCoreSchemaHandler,
    SecretStr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, core_schema
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from fakestore_platform.errors import SettingsError
from fakestore_platform.redaction import redact_url

REAL_API_URL = "https://fakestoreapi.com"
ENV_PREFIX = "FAKESTORE_"

# The sane ranges of the numbers: a second count of a day at most (a timeout, a delay, a budget), a
# lookback a daily schedule can compute and reload every day, no carts before the Unix epoch.
MAX_SECONDS = 86_400
MAX_LOOKBACK_DAYS = 3_650
MAX_API_ATTEMPTS = 100
MAX_RUN_RETRIES = 100
EARLIEST_CARTS_START = date(1970, 1, 1)

# How hard the API client tries unless told otherwise: the settings' defaults, and the client's.
DEFAULT_API_CONNECT_TIMEOUT = 5.0
DEFAULT_API_READ_TIMEOUT = 30.0
DEFAULT_API_MAX_ATTEMPTS = 5
DEFAULT_API_RETRY_BUDGET = 60.0

# How a run executes its steps: in its own process one after another, in a process per step, or in
# a Kubernetes Job per step (dagster-k8s, the `k8s` extra).
EXECUTORS = ("in_process", "multiprocess", "k8s")


def variable_name(field_name: str) -> str:
    """The environment variable a setting is read from: `api_url` is FAKESTORE_API_URL."""
    return ENV_PREFIX + field_name.upper()


def _refused(message: str) -> PydanticCustomError:
    # The message travels as context: a template would read braces in the value as placeholders.
    return PydanticCustomError("fakestore_setting", "{message}", {"message": message})


def _utc_today() -> date:
    return datetime.now(UTC).date()  # the carts partitions are UTC days


@dataclass(frozen=True)
class _Reading:
    """What load_settings reads in place of os.environ (tests pass dicts), and which day is today.
    A context variable carries it: BaseSettings builds itself in __init__, which takes no context."""

    environ: Mapping[str, str]
    today: date


_reading: ContextVar[_Reading | None] = ContextVar("fakestore_settings_reading", default=None)


class _Kind:
    """A kind of value (seconds, a share, a cron...): one parser and one message for every variable
    of the kind. As a field's Annotated metadata it validates the variable's text."""

    def parse(self, text: str) -> Any | None:
        """The value `text` stands for, or None when it is not a value of this kind."""
        raise NotImplementedError

    def expected(self) -> str:
        raise NotImplementedError

    def shown(self, text: str) -> str:
        """The refused text as the message shows it."""
        return text

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._validate, handler(source))

    def _validate(self, raw: object) -> Any:
        text = str(raw)
        value = self.parse(text)
        if value is None:
            raise _refused(f"must be {self.expected()}, got {self.shown(text)!r}")
        return value


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")  # fails every range check below


@dataclass(frozen=True)
class Seconds(_Kind):
    """A duration in seconds, up to a day; zero only when `allow_zero` (a budget, a delay)."""

    allow_zero: bool = False

    def parse(self, text: str) -> float | None:
        value = _float(text)
        minimum_ok = value >= 0 if self.allow_zero else value > 0
        return (
            value if minimum_ok and value <= MAX_SECONDS else None
        )  # NaN fails both, inf the second

    def expected(self) -> str:
        bound = "from 0 to" if self.allow_zero else "greater than 0, up to"
        return f"a number of seconds {bound} {MAX_SECONDS} (a day)"


@dataclass(frozen=True)
class Share(_Kind):
    """A share of records, from 0 to 1."""

    def parse(self, text: str) -> float | None:
        value = _float(text)
        return value if 0 <= value <= 1 else None

    def expected(self) -> str:
        return "a share from 0 to 1 (0.05 is 5%)"


@dataclass(frozen=True)
class WholeNumber(_Kind):
    """A whole number from `minimum` to `maximum`."""

    minimum: int
    maximum: int

    def parse(self, text: str) -> int | None:
        # isdigit() alone takes '²' and other digits int() refuses: only 0-9 make a number here,
        # and few enough of them that int() takes them too (it refuses more than 4,300).
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit() and len(digits) < 19):
            return None
        number = int(digits)
        return number if self.minimum <= number <= self.maximum else None

    def expected(self) -> str:
        return f"a whole number from {self.minimum} to {self.maximum}"


@dataclass(frozen=True)
class Cron(_Kind):
    """A cron expression of five fields, as Dagster's schedules take it."""

    def parse(self, text: str) -> str | None:
        from dagster._utils.schedules import is_valid_cron_string  # only when a cron is configured

        return text if is_valid_cron_string(text) else None

    def expected(self) -> str:
        return "a cron expression of five fields, like '0 6 * * *'"


@dataclass(frozen=True)
class Choice(_Kind):
    """One of a few names."""

    names: tuple[str, ...]

    def parse(self, text: str) -> str | None:
        return text if text in self.names else None

    def expected(self) -> str:
        return f"one of {', '.join(self.names)}"


@dataclass(frozen=True)
class TimeZone(_Kind):
    """An IANA time zone name."""

    def parse(self, text: str) -> str | None:
        try:
            ZoneInfo(text)
        except (ValueError, ZoneInfoNotFoundError):
            return None
        return text

    def expected(self) -> str:
        return "an IANA time zone like UTC or Europe/Berlin"


def _url_parts(text: str) -> SplitResult | None:
    try:
        return urlsplit(text)
    except ValueError:  # a malformed IPv6 host, say
        return None


@dataclass(frozen=True)
class HttpUrl(_Kind):
    """An http(s) URL, without its trailing slash; with `secret_path` its path is a credential
    (a webhook's token). A refused one is shown without its credentials."""

    secret_path: bool = False

    def parse(self, text: str) -> str | None:
        parts = _url_parts(text)
        if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
            return None
        return text.rstrip("/")

    def expected(self) -> str:
        return "an http(s) URL like https://host.example"

    def shown(self, text: str) -> str:
        return redact_url(text, secret_path=self.secret_path)


@dataclass(frozen=True)
class PostgresUrl(_Kind):
    """A postgresql:// URL naming a database. A refused one is shown without its password."""

    def parse(self, text: str) -> str | None:
        parts = _url_parts(text)
        if parts is None or parts.scheme not in {"postgresql", "postgres"}:
            return None
        return text if parts.path.strip("/") else None

    def expected(self) -> str:
        return (
            "a postgresql:// URL naming a database, "
            "like postgresql://user:password@host:5432/warehouse"
        )

    def shown(self, text: str) -> str:
        return redact_url(text)


@dataclass(frozen=True)
class Day(_Kind):
    """A date from `earliest` to today (UTC, or the day load_settings is given)."""

    earliest: date

    @property
    def latest(self) -> date:
        reading = _reading.get()
        return reading.today if reading else _utc_today()

    def parse(self, text: str) -> date | None:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return day if self.earliest <= day <= self.latest else None

    def expected(self) -> str:
        return f"a date like 2020-01-01, from {self.earliest} to today ({self.latest})"


class _Variables(PydanticBaseSettingsSource):
    """Each setting's FAKESTORE_ variable in `environ`: the spaces around a value are not part of
    it, and a blank one is unset (its default applies)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        reading = _reading.get()
        self.environ = reading.environ if reading else os.environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        text = self.environ.get(variable_name(field_name), "").strip()
        return text or None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for name, field in self.settings_cls.model_fields.items():
            text, _, _ = self.get_field_value(field, name)
            if text is not None:
                values[name] = text
        return values


class Settings(BaseSettings):
    """Everything the platform reads from the environment, one FAKESTORE_ variable per field."""

    # Defaults are trusted as written (validating the crons' would import Dagster for every command).
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, validate_default=False, hide_input_in_errors=True
    )

    api_url: Annotated[str, HttpUrl()] = REAL_API_URL
    warehouse_url: Annotated[SecretStr, PostgresUrl()] | None = None
    home: Path = Field(default=Path(".fakestore"), validate_default=True)
    api_connect_timeout: Annotated[float, Seconds()] = DEFAULT_API_CONNECT_TIMEOUT
    api_read_timeout: Annotated[float, Seconds()] = DEFAULT_API_READ_TIMEOUT
    api_max_attempts: Annotated[int, WholeNumber(1, MAX_API_ATTEMPTS)] = DEFAULT_API_MAX_ATTEMPTS
    api_retry_budget: Annotated[float, Seconds(allow_zero=True)] = DEFAULT_API_RETRY_BUDGET
    carts_start: Annotated[date, Day(EARLIEST_CARTS_START)] = date(2020, 1, 1)
    rejected_share_warn: Annotated[float, Share()] = 0.05
    # Unset: the warning share, or 0.2 if that is lower.
    rejected_share_error: Annotated[float, Share()] = Field(default=None, validate_default=True)
    run_retries: Annotated[int, WholeNumber(0, MAX_RUN_RETRIES)] = 3
    run_retry_delay: Annotated[float, Seconds(allow_zero=True)] = 10.0
    reader_password: SecretStr | None = None
    carts_schedule_cron: Annotated[str, Cron()] = "0 6 * * *"
    snapshots_schedule_cron: Annotated[str, Cron()] = "0 5 * * *"
    schedule_timezone: Annotated[str, TimeZone()] = "UTC"
    carts_lookback_days: Annotated[int, WholeNumber(0, MAX_LOOKBACK_DAYS)] = 2
    carts_sensor_interval: Annotated[int, WholeNumber(1, MAX_SECONDS)] = 300
    automation_interval: Annotated[int, WholeNumber(1, MAX_SECONDS)] = 30
    failure_webhook_url: Annotated[SecretStr, HttpUrl(secret_path=True)] | None = None
    executor: Annotated[str, Choice(EXECUTORS)] = "in_process"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _Variables(settings_cls)

    @field_validator("home")
    @classmethod
    def _home_is_a_directory(cls, home: Path) -> Path:
        home = home.expanduser().absolute()
        if home.exists() and not home.is_dir():
            raise _refused(f"must be a directory, but {home} is a file")
        return home

    @field_validator("rejected_share_error", mode="wrap")
    @classmethod
    def _error_share_not_below_warn(
        cls, value: Any, validate: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> float:
        warn = info.data.get("rejected_share_warn", 0.0)  # absent when refused: that error is first
        if value is None:
            return max(warn, 0.2)
        error = validate(value)
        if error < warn:
            raise _refused(
                f"must be at least {variable_name('rejected_share_warn')} ({warn}), got {error}"
            )
        return error

    @property
    def api_url_is_default(self) -> bool:
        """No FAKESTORE_API_URL was given: the real API, which the demo replaces by the local one."""
        return "api_url" not in self.model_fields_set

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

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The secrets show as '**********' on their own; the API's URL may carry a password too.
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "api_url" else value


def _one_line(error: ValidationError) -> str:
    """The first refusal, naming its variable."""
    first = error.errors(include_url=False, include_input=False)[0]
    name = variable_name(str(first["loc"][0])) if first["loc"] else "the settings"
    message = (
        first["msg"] if first["type"] == "fakestore_setting" else f"is refused: {first['msg']}"
    )
    return f"{name} {message}"


def load_settings(env: Mapping[str, str] | None = None, today: date | None = None) -> Settings:
    """Read and validate the environment; raise SettingsError naming the first bad variable.

    `today` (UTC) bounds the carts' first day: partitions cannot start in the future.
    """
    reading = _reading.set(_Reading(os.environ if env is None else env, today or _utc_today()))
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None  # its input may be a secret
    finally:
        _reading.reset(reading)
