"""Ingest: one bronze asset per API table, the raw validated payloads with their lineage, and their checks."""
