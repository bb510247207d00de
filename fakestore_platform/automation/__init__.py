"""What runs the graph without anyone clicking: schedules, sensors, automation conditions, freshness."""
