"""How old bronze and the marts may get before the UI shows them stale.

Bronze loads at least daily (schedules) and the marts follow within minutes (automation), so a
day and a bit is normal; one missed day warns, two fail.
"""

from datetime import timedelta

import dagster as dg

DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(
    warn_window=timedelta(hours=26), fail_window=timedelta(hours=50)
)
