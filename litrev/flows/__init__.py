"""Orchestration: the Prefect flows and the `litrev` command line. Prefect lives only here."""
