"""Plain-Python side of litrev: source clients, parsers, normalisation, language, translation,
theme coding. Nothing here imports Prefect or touches DuckDB."""
