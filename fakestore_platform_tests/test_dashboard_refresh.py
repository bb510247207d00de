"""The dashboard's place in the graph: its refresh follows the marts, once per update, and its
token and login are what the dashboard reads."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from fakestore_platform.defs.serve.assets import DASHBOARD_MARTS, DASHBOARD_REFRESH
from fakestore_platform.defs.serve.refresh import read_refresh_token, write_refresh_token
from fakestore_platform.errors import SettingsError
from fakestore_platform.settings import load_settings
from fakestore_platform.warehouse.connection import reader_url
from fakestore_platform_tests.test_automation_conditions import Ticks, defs  # noqa: F401

MARTS = [dg.AssetKey(["marts", name]) for name in DASHBOARD_MARTS]


def requested_refreshes(ticks: Ticks) -> int:
    result = dg.evaluate_automation_conditions(
        defs=ticks.defs, instance=ticks.instance, cursor=ticks.cursor
    )
    ticks.cursor = result.cursor
    return result.get_num_requested(DASHBOARD_REFRESH)


def test_the_dashboard_refreshes_once_after_the_marts_update(defs) -> None:  # noqa: F811
    with dg.instance_for_test() as instance:
        ticks = Ticks(instance, defs)
        assert requested_refreshes(ticks) == 0  # no mart yet
        for mart in MARTS[:-1]:
            ticks.materialize(mart)
        assert requested_refreshes(ticks) == 0  # one mart still missing
        ticks.materialize(MARTS[-1])
        assert requested_refreshes(ticks) == 1
        ticks.materialize(DASHBOARD_REFRESH)
        assert requested_refreshes(ticks) == 0  # nothing new since
        ticks.materialize(MARTS[0])
        assert requested_refreshes(ticks) == 1


def test_the_token_is_replaced_whole_and_absent_before_the_first_refresh(tmp_path: Path) -> None:
    token = tmp_path / "dashboard" / "refresh_token"
    assert read_refresh_token(token) is None
    write_refresh_token(token, "run-1")
    write_refresh_token(token, "run-2")
    assert read_refresh_token(token) == "run-2"
    assert [p.name for p in token.parent.iterdir()] == ["refresh_token"]


def test_the_dashboard_logs_in_as_the_reader_never_the_owner(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "FAKESTORE_HOME": str(tmp_path),
            "FAKESTORE_WAREHOUSE_URL": "postgresql://owner:secret@db:5432/warehouse",
            "FAKESTORE_READER_PASSWORD": "p@ss/word",
        },
        today=datetime.now(UTC).date(),
    )
    assert reader_url(settings) == "postgresql://fakestore_reader:p%40ss%2Fword@db:5432/warehouse"


def test_without_the_reader_password_the_dashboard_names_the_variable(tmp_path: Path) -> None:
    settings = load_settings({"FAKESTORE_HOME": str(tmp_path)})
    with pytest.raises(SettingsError, match=r"^FAKESTORE_READER_PASSWORD is not set"):
        reader_url(settings)
