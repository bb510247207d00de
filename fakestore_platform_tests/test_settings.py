from datetime import date
from pathlib import Path

import pytest

from fakestore_platform.errors import SettingsError
from fakestore_platform.settings import REAL_API_URL, load_settings


def test_defaults_point_at_the_real_api_and_the_embedded_server() -> None:
    settings = load_settings({})
    assert settings.api_url == REAL_API_URL
    assert settings.api_url_is_default
    assert settings.warehouse_url is None
    assert settings.home == Path(".fakestore").absolute()
    assert settings.embedded_pgdata == settings.home / "postgres"
    assert (settings.api_max_attempts, settings.api_retry_budget) == (5, 60.0)


def test_values_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "FAKESTORE_API_URL": "http://127.0.0.1:8765/",
            "FAKESTORE_WAREHOUSE_URL": "postgresql://me:pw@db:5432/warehouse",
            "FAKESTORE_API_READ_TIMEOUT": "2.5",
            "FAKESTORE_API_MAX_ATTEMPTS": "3",
            "FAKESTORE_API_RETRY_BUDGET": "0",
        }
    )
    assert settings.api_url == "http://127.0.0.1:8765"
    assert not settings.api_url_is_default
    assert settings.warehouse_url.get_secret_value() == "postgresql://me:pw@db:5432/warehouse"
    assert (settings.api_read_timeout, settings.api_max_attempts, settings.api_retry_budget) == (
        2.5,
        3,
        0.0,
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("FAKESTORE_API_URL", "fakestoreapi.com", "must be an http(s) URL"),
        ("FAKESTORE_API_URL", "ftp://fakestoreapi.com", "must be an http(s) URL"),
        ("FAKESTORE_API_URL", "http://[::1", "must be an http(s) URL"),  # unparseable
        ("FAKESTORE_WAREHOUSE_URL", "mysql://db/warehouse", "must be a postgresql:// URL"),
        ("FAKESTORE_WAREHOUSE_URL", "postgresql://[::1/warehouse", "must be a postgresql:// URL"),
        (
            "FAKESTORE_WAREHOUSE_URL",
            "postgresql://db:5432",
            "must be a postgresql:// URL naming a database",
        ),
        ("FAKESTORE_API_CONNECT_TIMEOUT", "0", "greater than 0"),
        ("FAKESTORE_API_READ_TIMEOUT", "soon", "greater than 0"),
        ("FAKESTORE_API_READ_TIMEOUT", "inf", "greater than 0, up to 86400 (a day)"),
        ("FAKESTORE_API_MAX_ATTEMPTS", "0", "whole number from 1 to 100"),
        ("FAKESTORE_API_MAX_ATTEMPTS", "2.5", "whole number from 1 to 100"),
        # '²'.isdigit() is True, but int('²') fails
        ("FAKESTORE_API_MAX_ATTEMPTS", "²", "whole number from 1 to 100"),
        ("FAKESTORE_API_MAX_ATTEMPTS", "9" * 5000, "whole number from 1 to 100"),
        ("FAKESTORE_API_RETRY_BUDGET", "-1", "from 0 to 86400"),
        ("FAKESTORE_CARTS_START", "2020-02-30", "a date like 2020-01-01"),
        ("FAKESTORE_CARTS_START", "2030-01-01", "from 1970-01-01 to today"),
        ("FAKESTORE_CARTS_START", "0001-01-01", "from 1970-01-01 to today"),
        ("FAKESTORE_REJECTED_SHARE_WARN", "5%", "a share from 0 to 1"),
        ("FAKESTORE_REJECTED_SHARE_ERROR", "1.5", "a share from 0 to 1"),
        ("FAKESTORE_RUN_RETRIES", "-1", "whole number from 0 to 100"),
        ("FAKESTORE_RUN_RETRY_DELAY", "later", "from 0 to 86400"),
        ("FAKESTORE_CARTS_SCHEDULE_CRON", "every day", "a cron expression of five fields"),
        ("FAKESTORE_SNAPSHOTS_SCHEDULE_CRON", "61 * * * *", "a cron expression of five fields"),
        ("FAKESTORE_SCHEDULE_TIMEZONE", "Mars/Olympus", "an IANA time zone"),
        ("FAKESTORE_CARTS_LOOKBACK_DAYS", "-2", "whole number from 0 to 3650"),
        # a timedelta of that many days overflows: the schedule would fail at every tick
        ("FAKESTORE_CARTS_LOOKBACK_DAYS", "99999999999", "whole number from 0 to 3650"),
        ("FAKESTORE_CARTS_SENSOR_INTERVAL", "0", "whole number from 1 to 86400"),
        ("FAKESTORE_AUTOMATION_INTERVAL", "fast", "whole number from 1 to 86400"),
        ("FAKESTORE_FAILURE_WEBHOOK_URL", "hooks.example.com", "must be an http(s) URL"),
        ("FAKESTORE_EXECUTOR", "celery", "must be one of in_process, multiprocess, k8s"),
    ],
)
def test_each_bad_value_names_the_variable_and_what_it_expects(
    name: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name} must be")
    assert expected in message
    assert repr(value) in message
    assert "\n" not in message


def test_a_home_that_is_a_file_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("")
    with pytest.raises(SettingsError, match="FAKESTORE_HOME must be a directory"):
        load_settings({"FAKESTORE_HOME": str(home)})


def test_the_error_share_may_not_be_below_the_warning_share() -> None:
    with pytest.raises(SettingsError, match="FAKESTORE_REJECTED_SHARE_ERROR must be at least"):
        load_settings(
            {"FAKESTORE_REJECTED_SHARE_WARN": "0.3", "FAKESTORE_REJECTED_SHARE_ERROR": "0.1"}
        )
    assert load_settings({"FAKESTORE_REJECTED_SHARE_WARN": "0.3"}).rejected_share_error == 0.3


def test_the_range_ends_are_accepted_and_today_bounds_the_carts_start() -> None:
    today = date(2026, 11, 23)
    settings = load_settings(
        {
            "FAKESTORE_CARTS_START": "2026-11-23",
            "FAKESTORE_CARTS_LOOKBACK_DAYS": "3650",
            "FAKESTORE_API_MAX_ATTEMPTS": "100",
            "FAKESTORE_RUN_RETRIES": "0",
            "FAKESTORE_RUN_RETRY_DELAY": "86400",
        },
        today=today,
    )
    assert settings.carts_start == today
    assert (settings.carts_lookback_days, settings.api_max_attempts) == (3650, 100)
    assert (settings.run_retries, settings.run_retry_delay) == (0, 86400.0)
    with pytest.raises(SettingsError, match=r"from 1970-01-01 to today \(2026-11-23\)"):
        load_settings({"FAKESTORE_CARTS_START": "2026-11-24"}, today=today)


def test_secrets_never_show_in_the_settings_repr_or_str() -> None:
    settings = load_settings(
        {
            "FAKESTORE_WAREHOUSE_URL": "postgresql://me:WarehousePW@db:5432/warehouse",
            "FAKESTORE_READER_PASSWORD": "ReaderPW",
            "FAKESTORE_FAILURE_WEBHOOK_URL": "https://hooks.example/services/WebhookToken",
            "FAKESTORE_API_URL": "http://reader:ApiPW@127.0.0.1:8765",
        }
    )
    for shown in (repr(settings), str(settings)):
        for secret in ("WarehousePW", "ReaderPW", "WebhookToken", "ApiPW"):
            assert secret not in shown
    assert settings.reader_password.get_secret_value() == "ReaderPW"
    assert settings.api_url == "http://reader:ApiPW@127.0.0.1:8765"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "FAKESTORE_API_CONNECT_TIMEOUT",
            "-1",
            "must be a number of seconds greater than 0, up to 86400 (a day), got '-1'",
        ),
        ("FAKESTORE_REJECTED_SHARE_WARN", "2", "must be a share from 0 to 1 (0.05 is 5%), got '2'"),
        ("FAKESTORE_RUN_RETRIES", "101", "must be a whole number from 0 to 100, got '101'"),
        (
            "FAKESTORE_CARTS_SCHEDULE_CRON",
            "daily",
            "must be a cron expression of five fields, like '0 6 * * *', got 'daily'",
        ),
        (
            "FAKESTORE_SCHEDULE_TIMEZONE",
            "CEST",
            "must be an IANA time zone like UTC or Europe/Berlin, got 'CEST'",
        ),
        (
            "FAKESTORE_EXECUTOR",
            "Celery",
            "must be one of in_process, multiprocess, k8s, got 'Celery'",
        ),
        (
            "FAKESTORE_FAILURE_WEBHOOK_URL",
            "hooks.example/services/WebhookToken",
            "must be an http(s) URL like https://host.example, got 'hooks.example/***'",
        ),
        (
            "FAKESTORE_WAREHOUSE_URL",
            "mysql://me:WarehousePW@db/warehouse",
            "must be a postgresql:// URL naming a database, like"
            " postgresql://user:password@host:5432/warehouse, got 'mysql://***@db/warehouse'",
        ),
        (
            "FAKESTORE_CARTS_START",
            "1969-12-31",
            "must be a date like 2020-01-01, from 1970-01-01 to today (2026-11-23), got '1969-12-31'",
        ),
    ],
)
def test_a_bad_value_of_each_kind_is_one_line_naming_its_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({name: f" {value} "}, today=date(2026, 11, 23))
    assert str(caught.value) == f"{name} {message}"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_blank_variable_means_its_default() -> None:
    settings = load_settings(
        {"FAKESTORE_API_URL": "  ", "FAKESTORE_RUN_RETRIES": "", "FAKESTORE_HOME": " \t"}
    )
    assert settings.api_url_is_default
    assert settings.run_retries == 3
    assert settings.home == Path(".fakestore").absolute()
