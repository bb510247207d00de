"""dbt: the project, the translator that places its models in the asset graph, the dbt assets."""
