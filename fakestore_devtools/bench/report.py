"""The benchmark's figures: the table `make bench` prints and the BENCHMARKS.md it writes."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from fakestore_devtools.bench.environment import StoreSize
from fakestore_devtools.bench.figures import BACKFILL_CARTS, BRONZE_SELECTION, Ingest

# The issues' targets; the full graph's is set for a million carts, the overhead share's for
# 100,000 and a million carts.
INGEST_VS_COPY_MIN = 0.5
INCREMENTAL_RATIO_MAX = 1.3
FULL_GRAPH_SECONDS_MAX = 90.0
FULL_GRAPH_TARGET_CARTS = 1_000_000
OVERHEAD_SHARE_MAX = {100_000: 0.35, 1_000_000: 0.15}
DAILY_RUN_SECONDS_MAX = 4.0
WARM_DEMO_SECONDS_MAX = 12.0
BRONZE_BACKFILL_SECONDS_MAX = 6.0
DEFINITIONS_SECONDS_MAX = 3.0
INGEST_MEMORY_MB_MAX = 500.0
MODEL_METADATA_SHARE_MAX = 0.05


@dataclass(frozen=True)
class Figures:
    size: StoreSize
    repeat: int
    ingest: Ingest
    ingest_month: Ingest
    ingest_with_api: Ingest  # the same year's ingest reading the generating local API
    copy_rows: int
    copy_rows_per_second: float
    daily_1: float
    daily_365: float
    full_graph: float
    full_graph_steps: dict[str, float]
    direct_load: float
    dbt_sql: float
    python_checks: float
    model_metadata: float
    definitions_load: float
    backfill_size: StoreSize
    bronze_backfill: Ingest  # every bronze asset over backfill_size's partitions, one process
    warm_demo: float
    postgres: str

    @property
    def ingest_rate(self) -> float:
        return self.size.carts / self.ingest.step_seconds

    @property
    def ingest_vs_copy(self) -> float:
        return self.ingest_rate / self.copy_rows_per_second

    @property
    def ingest_rate_with_api(self) -> float:
        return self.size.carts / self.ingest_with_api.step_seconds

    @property
    def ingest_vs_copy_with_api(self) -> float:
        return self.ingest_rate_with_api / self.copy_rows_per_second

    @property
    def incremental_ratio(self) -> float:
        return self.daily_365 / self.daily_1

    @property
    def real_work(self) -> float:
        return self.direct_load + self.dbt_sql + self.python_checks

    @property
    def model_metadata_share(self) -> float:
        return self.model_metadata / self.full_graph

    @property
    def overhead_share(self) -> float:
        return max(0.0, self.full_graph - self.real_work) / self.full_graph

    def _overhead_target(self) -> str:
        targets = ", ".join(
            f"<= {share:.0%} at {carts:,}" for carts, share in OVERHEAD_SHARE_MAX.items()
        )
        share = OVERHEAD_SHARE_MAX.get(self.size.carts)
        return f"<= {share:.0%}" if share is not None else f"({targets})"

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(figure, value, target, how it was measured)."""
        carts = f"{self.size.carts:,}"
        backfill = self.backfill_size
        backfill_target = (
            f"<= {BRONZE_BACKFILL_SECONDS_MAX:.0f} s"
            if backfill.carts == BACKFILL_CARTS
            else f"(<= {BRONZE_BACKFILL_SECONDS_MAX:.0f} s at {BACKFILL_CARTS:,} carts)"
        )
        full_target = (
            f"< {FULL_GRAPH_SECONDS_MAX:.0f} s"
            if self.size.carts >= FULL_GRAPH_TARGET_CARTS
            else f"(< {FULL_GRAPH_SECONDS_MAX:.0f} s at 1,000,000)"
        )
        return [
            (
                "ingest",
                f"{self.ingest_rate:,.0f} carts/s",
                "",
                f"{carts} carts / the bronze/carts step ({self.ingest.step_seconds:.1f} s) of one "
                f"single-run backfill of {self.size.days} partitions: HTTP, parse, validate, COPY, "
                f"commit (the whole child process: {self.ingest.run_seconds:.1f} s); the local "
                "API's responses pre-rendered, served by a process that only writes bytes",
            ),
            (
                "ingest (generating API)",
                f"{self.ingest_rate_with_api:,.0f} carts/s",
                "",
                f"the same backfill reading the local API as it generates each cart on the same "
                f"cores (step {self.ingest_with_api.step_seconds:.1f} s, the whole child process "
                f"{self.ingest_with_api.run_seconds:.1f} s)",
            ),
            (
                "COPY ceiling",
                f"{self.copy_rows_per_second:,.0f} rows/s",
                "",
                f"the same {self.copy_rows:,} payloads, already serialized, COPYed in 1 MiB blocks "
                "into a bare jsonb table of the same database",
            ),
            (
                "ingest_vs_copy",
                f"{self.ingest_vs_copy:.3g}",
                f">= {INGEST_VS_COPY_MIN}",
                "ingest / COPY ceiling",
            ),
            (
                "ingest_vs_copy_with_api",
                f"{self.ingest_vs_copy_with_api:.3g}",
                "",
                "ingest (generating API) / COPY ceiling: the end-to-end figure",
            ),
            (
                "daily run, 1 day of history",
                f"{self.daily_1:.1f} s",
                "",
                f"median of {self.repeat}: one partition of bronze/carts, fact_carts and "
                "fact_cart_items with their checks, in one run, the warehouse holding that day only "
                "and at rest (VACUUM ANALYZE first)",
            ),
            (
                f"daily run, {self.size.days} days of history",
                f"{self.daily_365:.1f} s",
                f"<= {DAILY_RUN_SECONDS_MAX:.0f} s",
                "the same partition and selection after the full backfill, the warehouse at rest "
                "(VACUUM ANALYZE first: what autovacuum does in the minutes after a backfill, which "
                "would otherwise overlap the first runs)",
            ),
            (
                "incremental_365_vs_1",
                f"{self.incremental_ratio:.3g}",
                f"<= {INCREMENTAL_RATIO_MAX}",
                "the two daily runs' ratio",
            ),
            (
                "full graph",
                f"{self.full_graph:.1f} s",
                full_target,
                f"every asset and check, {self.size.days} partitions in one run, launch to outcome",
            ),
            (
                "  real work",
                f"{self.real_work:.1f} s",
                "",
                f"the same bronze load without Dagster ({self.direct_load:.1f} s) + dbt's SQL "
                f"({self.dbt_sql:.1f} s: the union of every node's execute interval in the run's "
                f"run_results.json) + the Python checks' steps ({self.python_checks:.1f} s)",
            ),
            (
                "  overhead share",
                f"{self.overhead_share:.0%}",
                self._overhead_target(),
                "(full graph - real work) / full graph: Dagster's events and steps, dbt's start, "
                "parse and compile",
            ),
            (
                "  UI metadata",
                f"{self.model_metadata:.1f} s",
                "",
                "what the dbt steps spent reading each model's row count and columns and the marts' "
                "figures, and drawing their two charts (the sum of each model's metadata_seconds): "
                "part of the overhead above",
            ),
            (
                "  UI metadata share",
                f"{self.model_metadata_share:.1%}",
                f"< {MODEL_METADATA_SHARE_MAX:.0%}",
                "UI metadata / full graph",
            ),
            (
                "definitions load",
                f"{self.definitions_load:.2f} s",
                f"< {DEFINITIONS_SECONDS_MAX:.0f} s",
                f"median of {self.repeat}: import and resolve the definitions in a new interpreter",
            ),
            (
                "bronze backfill",
                f"{self.bronze_backfill.run_seconds:.1f} s",
                backfill_target,
                f"the whole `fakestore-platform materialize --select {BRONZE_SELECTION} "
                f"--partition-range {backfill.start}...{backfill.last_day}` process: "
                f"{backfill.carts:,} carts over {backfill.days} daily partitions, products and "
                f"users, one run (its carts step {self.bronze_backfill.step_seconds:.1f} s); the "
                "carts read from pre-rendered responses",
            ),
            (
                "warm demo",
                f"{self.warm_demo:.1f} s",
                f"<= {WARM_DEMO_SECONDS_MAX:.0f} s",
                "the whole `fakestore-platform demo` process (what `make demo` runs once the venv and "
                "the manifest are built) at the real API's size (the local API's default store: 20 "
                "products, 10 users, 7 carts), the second of two runs in a home of its own",
            ),
            (
                "ingest peak memory",
                f"{self.ingest.peak_rss_mb:,.0f} MB",
                f"< {INGEST_MEMORY_MB_MAX:.0f} MB, flat",
                f"peak RSS of the ingest's child process; {self.ingest_month.peak_rss_mb:,.0f} MB "
                "for its first 31 partitions alone",
            ),
        ]


def print_table(figures: Figures) -> None:
    rows = [(name, value, target) for name, value, target, _ in figures.rows()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"\nBenchmark: {figures.size.carts:,} carts over {figures.size.days} days")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"ingest_vs_copy={figures.ingest_vs_copy:.3g}")
    print(f"ingest_vs_copy_with_api={figures.ingest_vs_copy_with_api:.3g}")
    print(f"incremental_365_vs_1={figures.incremental_ratio:.3g}")
    print(f"overhead_share={figures.overhead_share:.3g}")


def _machine(figures: Figures) -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory_kb / 1024**2:.0f} GiB; {platform.system()} {platform.release()}",
        f"- PostgreSQL {figures.postgres} (the embedded server from pgserver, default settings)",
        f"- Python {platform.python_version()}, dagster {version('dagster')}, "
        f"dagster-dbt {version('dagster-dbt')}, dbt-core {version('dbt-core')}",
        f"- The local API in its own process: {figures.size.carts:,} carts over {figures.size.days} "
        f"days from {figures.size.start}, {figures.size.users:,} users, {figures.size.products:,} products; "
        "for the ingest figure, its responses pre-rendered and served by a process that only writes bytes",
    ]


def write_report(figures: Figures, path: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench CARTS={figures.size.carts}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC: one process tree, a fresh warehouse, the local API.",
        "",
        "## Machine",
        "",
        *_machine(figures),
        "",
        "## Figures",
        "",
        "| Figure | Value | Target | How it was measured |",
        "| --- | --- | --- | --- |",
        *(
            f"| {name.strip()} | {value} | {target} | {how} |"
            for name, value, target, how in figures.rows()
        ),
        "",
        "## The full graph's steps",
        "",
        "| Step | Seconds |",
        "| --- | --- |",
        *(
            f"| `{step}` | {seconds:.1f} |"
            for step, seconds in sorted(figures.full_graph_steps.items(), key=lambda s: -s[1])
            if seconds >= 0.5
        ),
        "",
    ]
    path.write_text("\n".join(lines))
