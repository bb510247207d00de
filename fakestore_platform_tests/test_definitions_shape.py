"""The code location's shape, pinned: a move or a refactor that changes what Dagster sees fails here.

`definitions_shape.json` is the expectation; after an intended change, regenerate it with
`FAKESTORE_WRITE_SHAPE=1 .venv/bin/pytest fakestore_platform_tests/test_definitions_shape.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

EXPECTED = Path(__file__).with_name("definitions_shape.json")


def definitions_shape(defs: dg.Definitions) -> dict[str, object]:
    """What a user of the UI sees of the definitions: keys, groups, partitions, checks, automation."""
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda key: key.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "partitioned": node.partitions_def is not None,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(check.name for check in node.check_keys),
            "automation": node.automation_condition is not None,
        }
    return {
        "assets": assets,
        "jobs": sorted(
            job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__")
        ),
        "schedules": sorted(schedule.name for schedule in defs.schedules or ()),
        "sensors": sorted(sensor.name for sensor in defs.sensors or ()),
        "resources": sorted(defs.resources or {}),
    }


def test_the_definitions_keep_their_shape(platform_env: dict[str, str]) -> None:
    from fakestore_platform.definitions import build_definitions
    from fakestore_platform.settings import load_settings

    shape = definitions_shape(build_definitions(load_settings()))
    if os.environ.get("FAKESTORE_WRITE_SHAPE"):
        EXPECTED.write_text(json.dumps(shape, indent=1, sort_keys=True) + "\n")
    assert shape == json.loads(EXPECTED.read_text())
