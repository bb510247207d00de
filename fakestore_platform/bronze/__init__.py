"""Bronze: one asset per API table, the raw validated payloads with their lineage."""
