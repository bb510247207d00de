"""PostgreSQL: the embedded server, connections, bulk loads."""
