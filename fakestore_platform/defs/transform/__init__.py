"""dbt: the project, the translator and automation condition that place its models in the graph, the dbt assets."""
