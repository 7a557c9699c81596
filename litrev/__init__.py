"""litrev: a multilingual literature-review pipeline.

One import name holds the four parts of the design: ``litrev.extract`` (plain Python: sources,
records, language, translation, themes), ``litrev.store`` (DuckDB), ``litrev.queries`` (saved
SQL) and ``litrev.flows`` (Prefect flows and the command line).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("litrev")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
