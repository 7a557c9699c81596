"""DuckDB side of litrev: schema and migrations, loading, queries, search, export.

Nothing here does HTTP. Functions take a connection or a database path and plain records or
frames.
"""
