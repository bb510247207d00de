"""Serve: what reads the marts for people downstream of the warehouse, the analysts' dashboard."""
