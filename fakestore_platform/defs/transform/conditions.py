"""When a dbt asset materializes on its own: after its parents update, never past a failed check.

Dagster's `eager()` waits until no parent partition is missing, which for a parent with a partition
per day since 2020 means never; and it looks only at today's partition, which would leave a day the
sensor loaded late unbuilt. So the condition here is eager, with those two things changed.
"""

from datetime import timedelta

import dagster as dg

from fakestore_platform.defs.ingest.assets import BRONZE_CARTS

AC = dg.AutomationCondition

BRONZE = dg.AssetSelection.groups("bronze")
# Daily partitioned parents and children share partition D, so D's update is D's trigger.
DAILY_PARTITIONED = dg.AssetSelection.assets(BRONZE_CARTS) | dg.AssetSelection.tag(
    "partitioned", ""
)


def follows_parents(lookback_days: int) -> dg.AutomationCondition:
    """Materialize when a parent updates, once every parent has some data and none is in progress,
    and unless a parent's blocking check failed.

    A partitioned model rebuilds the days its daily parents updated; an update of an unpartitioned
    parent (a dimension) rebuilds the recent days only: today and `lookback_days` before it.

    The facts' days build in runs of their own, which a mart's run may overlap: the warehouse pool
    (one step at a time, dagster.yaml) keeps the two dbt builds from racing each other.
    """
    recent = AC.in_latest_time_window(timedelta(days=lookback_days))
    trigger = (recent & (AC.newly_missing() | AC.any_deps_updated())) | AC.any_deps_updated().allow(
        DAILY_PARTITIONED
    )
    return (
        trigger.since_last_handled().with_label("a parent updated")
        & AC.all_deps_match(~AC.missing() | AC.will_be_requested()).with_label(
            "every parent has data"
        )
        & ~AC.any_deps_in_progress()
        & ~AC.in_progress()
        # Bronze's checks are steps of their own, so a failure must be remembered across runs;
        # a failed dbt test already skips the models below it within `dbt build`.
        & AC.all_deps_blocking_checks_passed().allow(BRONZE)
    ).with_label("follows its parents")
