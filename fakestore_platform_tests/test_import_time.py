"""Nothing reads the settings at import: every module of the product imports in an environment
whose settings are all wrong, and only building the definitions reads (and refuses) them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

IMPORT_EVERYTHING = """
import importlib, pkgutil
import fakestore_platform
for module in pkgutil.walk_packages(fakestore_platform.__path__, "fakestore_platform."):
    importlib.import_module(module.name)
print("imported")
from fakestore_platform.definitions import defs
defs()
"""

BAD_SETTINGS = {
    "FAKESTORE_CARTS_START": "not a date",
    "FAKESTORE_CARTS_SCHEDULE_CRON": "never",
    "FAKESTORE_RUN_RETRIES": "many",
    "FAKESTORE_AUTOMATION_INTERVAL": "often",
}


def test_no_module_reads_the_settings_at_import() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", IMPORT_EVERYTHING],
        cwd=ROOT,
        env={**os.environ, **BAD_SETTINGS},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.startswith("imported"), result.stderr[-3000:]
    # Then the definitions builder, the one reader, refuses the first bad variable by name.
    assert result.returncode != 0
    assert "FAKESTORE_" in result.stderr.strip().splitlines()[-1]


LOAD_DEFINITIONS = """
import sys
from fakestore_platform.definitions import build_definitions
from fakestore_platform.settings import load_settings
build_definitions(load_settings()).resolve_asset_graph()
print(sorted(name for name in ("matplotlib", "streamlit", "dagster_k8s") if name in sys.modules))
"""


def test_loading_the_definitions_imports_no_library_only_a_step_or_a_page_needs() -> None:
    """Every code server and run worker loads the definitions; charts, the dashboard and Kubernetes
    load their libraries when used."""
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", LOAD_DEFINITIONS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[-2] == "[]"
