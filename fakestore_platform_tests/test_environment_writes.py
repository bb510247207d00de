"""Data never travels through os.environ: only the command line's process setup writes it (the
Dagster instance a command's own run needs); the definitions, the stages and the libraries never."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "fakestore_platform"
# The commands that run Dagster in their own process configure it like any Dagster process.
PROCESS_SETUP = {"cli.py", "demo.py"}
WRITES = re.compile(
    r"os\.environ(\[[^]]*\]\s*=[^=]|\.(update|pop|setdefault|clear)\()|os\.putenv|del os\.environ"
)


def test_only_the_command_line_process_setup_writes_the_environment() -> None:
    writers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if WRITES.search(path.read_text())
    }
    assert writers <= PROCESS_SETUP, writers - PROCESS_SETUP
    assert writers, "the pattern no longer finds the command line's own setup"
