-- Dagster's run, event log and schedule storage, beside the warehouse (POSTGRES_DB) on one server.
-- The postgres image runs this once, when it initialises an empty data volume.
create database dagster;
