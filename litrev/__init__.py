"""litrev: a multilingual literature-review pipeline.

One import name holds the four parts of the design: ``litrev.extract`` (plain Python: sources,
records, language, translation, themes), ``litrev.store`` (DuckDB), ``litrev.queries`` (saved
SQL) and ``litrev.flows`` (Prefect flows and the command line).

``litrev.__version__`` is looked up in the installed distribution's metadata on first use, not
at import: ``importlib.metadata`` costs a tenth of a second, which every ``litrev`` command
would otherwise pay before parsing its arguments.
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'litrev' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("litrev")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
