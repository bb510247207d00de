"""The dagster CLI in this process's environment, for tests that set up an instance of their own."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).with_name("dagster"))


def dagster_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run from an empty folder: Dagster lets a `.env` in its working directory override the
    environment, and the repository's own `.env` (written by a developer's `make demo`) points at
    another instance. `-w workspace.yaml` names the repository's workspace."""
    args = tuple(str(REPO / arg) if arg == "workspace.yaml" else arg for arg in args)
    with tempfile.TemporaryDirectory(prefix="dagster-cli-") as empty:
        return subprocess.run(
            [DAGSTER, *args],
            cwd=empty,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
