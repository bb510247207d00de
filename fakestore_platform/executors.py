"""How a run executes its steps, from FAKESTORE_EXECUTOR. Every step that writes the warehouse is in
the pool `warehouse`, so whichever executor runs them, one writes at a time."""

from __future__ import annotations

import dagster as dg

from fakestore_platform.errors import SettingsError


def executor_for(name: str) -> dg.ExecutorDefinition:
    """`in_process`: one step after another in the run's process (the work is in PostgreSQL and dbt,
    and on two cores a process per step cost more than it overlapped). `multiprocess`: a process per
    step, independent steps in parallel. `k8s`: a Kubernetes Job per step, on a cluster only."""
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "k8s":
        try:
            from dagster_k8s import k8s_job_executor  # only on Kubernetes: the `k8s` extra
        except ImportError:
            raise SettingsError(
                "FAKESTORE_EXECUTOR=k8s needs dagster-k8s: pip install 'fakestore-platform[k8s]'"
            ) from None
        return k8s_job_executor
    raise SettingsError(f"FAKESTORE_EXECUTOR names no executor: {name!r}")
