"""The Fake Store API: its records (models), the HTTP client and its Dagster resource."""
