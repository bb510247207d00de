"""What runs the graph without anyone clicking: jobs, schedules and sensors."""
