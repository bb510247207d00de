"""What a run launched from the command line shows: one line per step as it ends, on the terminal;
dbt's log and Dagster's own, which run to hundreds of lines, go to a log file the user can open."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import dagster as dg

# For the process of a run launched here: its log is a file, where dbt's colour codes are noise.
PLAIN_LOG_ENVIRONMENT = {"DBT_USE_COLORS": "false"}

STEP_ENDS = {
    dg.DagsterEventType.STEP_SUCCESS: "done",
    dg.DagsterEventType.STEP_FAILURE: "failed",
    dg.DagsterEventType.STEP_SKIPPED: "skipped",
}


@contextmanager
def output_to_log(log_file: Path) -> Iterator[TextIO]:
    """Send this process's stdout and stderr, its children's included, to `log_file` (appended) and
    yield a stream on what they were, for the lines meant for the user."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved[0]), "w", buffering=1)
    try:
        with log_file.open("ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
        yield terminal
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
        terminal.close()


class StepReporter:
    """Prints each step of a run as it ends, reading the run's events from the instance."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, terminal: TextIO) -> None:
        self.instance, self.run_id, self.terminal = instance, run_id, terminal
        self.cursor: str | None = None

    def report_new(self) -> None:
        connection = self.instance.get_records_for_run(
            self.run_id, cursor=self.cursor, of_type=set(STEP_ENDS)
        )
        self.cursor = connection.cursor
        for record in connection.records:
            event = record.event_log_entry.dagster_event
            done = STEP_ENDS[event.event_type]
            seconds = (
                f"  {event.step_success_data.duration_ms / 1000:.1f} s"
                if event.event_type == dg.DagsterEventType.STEP_SUCCESS
                else ""
            )
            print(f"  {done:<8}{event.step_key}{seconds}", file=self.terminal)
