"""The Dagster definitions, one folder per stage of the data's path: ingest (API to bronze),
transform (dbt), quality (checks across layers), automation (jobs, schedules, sensors).

A stage imports only the stages before it; the libraries they use (api, warehouse, settings) sit
beside this folder and import none of it.
"""
